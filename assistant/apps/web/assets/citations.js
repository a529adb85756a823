// js_on_load of the citation panel: each passage scrolls to its quote; a card opens its source by click or key.
const centre = () => element.querySelectorAll('.cite-passage').forEach((box) => {
  const mark = box.querySelector('mark.quote'); if (mark && box.clientHeight)
    box.scrollTop = Math.max(0, mark.offsetTop - 30); });
watch('value', () => requestAnimationFrame(centre));
centre();
const open = (card) => trigger('cite', {turn: Number(card.dataset.turn), n: Number(card.dataset.cite)});
element.addEventListener('click', (event) => {
  const card = event.target.closest('[data-cite]'); if (card) { event.preventDefault(); open(card); } });
element.addEventListener('keydown', (event) => {
  const card = event.target.closest('[data-cite]');
  if (card && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); open(card); } });
