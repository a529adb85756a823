// js_on_load of the source viewer: scroll the report to the marked quote once the tab is visible.
const reveal = (tries) => {
  const box = element.querySelector('.source-text'); const mark = element.querySelector('mark.quote');
  if (!box || !mark) return;
  if (box.clientHeight === 0) { if (tries < 40) setTimeout(() => reveal(tries + 1), 50); return; }
  box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  const top = element.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * 0.6) element.scrollIntoView({block: 'start'});
};
watch('value', () => reveal(0));
reveal(0);
