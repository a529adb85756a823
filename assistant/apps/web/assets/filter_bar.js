// js_on_load of the filter bar: its Clear button becomes a `clear` event.
element.addEventListener('click', (event) => {
  if (event.target.closest('[data-clear]')) { event.preventDefault(); trigger('clear'); } });
