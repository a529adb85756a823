// js_on_load of the chat log (gradio gives `element`, `trigger`, `watch`): markers, examples, ratings and
// copy buttons become events; the log stays scrolled to the latest answer.
const scrollDown = () => { const log = element.querySelector('.chat-log'); if (log) log.scrollTop = log.scrollHeight; };
const copyText = (text, button) => {
  const done = () => { const old = button.textContent; button.textContent = 'Copied'; setTimeout(() => button.textContent = old, 1500); };
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, () => fallback()); }
  else { fallback(); }
  function fallback() { const area = document.createElement('textarea'); area.value = text; area.style.position = 'fixed';
    area.style.opacity = '0'; document.body.appendChild(area); area.select(); try { document.execCommand('copy'); done(); }
    catch (e) {} document.body.removeChild(area); }
};
element.addEventListener('click', (event) => {
  const marker = event.target.closest('[data-cite]');
  if (marker && !marker.classList.contains('demo')) {
    event.preventDefault(); trigger('cite', {turn: Number(marker.dataset.turn), n: Number(marker.dataset.cite)}); return; }
  const example = event.target.closest('[data-example]');
  if (example) { event.preventDefault(); trigger('example', {question: example.dataset.example}); return; }
  const rate = event.target.closest('[data-rating]');
  if (rate) { event.preventDefault(); trigger('rate', {turn: Number(rate.dataset.turn), rating: rate.dataset.rating}); return; }
  const copy = event.target.closest('[data-copy]');
  if (copy) { event.preventDefault(); const src = element.querySelector('#copy-' + copy.dataset.copy);
    if (src) copyText(src.value, copy); }
});
watch('value', () => requestAnimationFrame(scrollDown));
scrollDown();
