/* global document, window, fetch, Element */
// The review page's keyboard and in-place decisions. The page works without this file: every card's
// form posts, and the server answers with the page again. With it, a decision is a fetch that
// carries the CSRF token in a header, and the card changes where it stands.
'use strict';

(() => {
  const grid = document.getElementById('queue');
  if (!grid) return;
  const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const notice = document.getElementById('notice');
  const cards = () => Array.from(grid.querySelectorAll('.card'));
  let selected = 0;

  function select(index) {
    const all = cards();
    if (all.length === 0) return;
    selected = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((card, position) => {
      card.classList.toggle('selected', position === selected);
      if (position === selected) card.setAttribute('aria-current', 'true');
      else card.removeAttribute('aria-current');
    });
    all[selected].scrollIntoView({ block: 'nearest' });
  }

  function say(text, isError) {
    if (!notice) return;
    notice.textContent = text;
    notice.classList.toggle('error', Boolean(isError));
  }

  async function decide(card, status) {
    // One decision at a time per card: a double key press must not send two.
    if (card.classList.contains('busy')) return;
    card.classList.add('busy');
    const publicId = card.dataset.publicId ?? '';
    try {
      const response = await fetch('/console/moderation/decide', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token },
        body: JSON.stringify({ public_id: publicId, resource_type: card.dataset.resourceType, type: card.dataset.type, status }),
      });
      if (response.status === 401) {
        window.location.assign('/console/login');
        return;
      }
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
      card.dataset.status = status;
      const label = card.querySelector('.status');
      if (label) label.textContent = status;
      say(`${status === 'approved' ? 'Approved' : 'Rejected'} ${publicId}`, false);
    } catch (error) {
      say(`Could not decide ${publicId}: ${error instanceof Error ? error.message : String(error)}`, true);
    } finally {
      card.classList.remove('busy');
    }
  }

  grid.addEventListener('submit', (event) => {
    const card = event.target instanceof Element ? event.target.closest('.card') : null;
    const status = event.submitter?.getAttribute('value');
    if (!card || (status !== 'approved' && status !== 'rejected')) return;
    event.preventDefault();
    select(cards().indexOf(card));
    void decide(card, status);
  });

  grid.addEventListener('click', (event) => {
    const card = event.target instanceof Element ? event.target.closest('.card') : null;
    if (card) select(cards().indexOf(card));
  });

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    // Typing in the filters is not a command.
    if (event.target instanceof Element && event.target.closest('input, select, textarea, [contenteditable]')) return;
    const card = cards()[selected];
    switch (event.key) {
      case 'j':
        select(selected + 1);
        break;
      case 'k':
        select(selected - 1);
        break;
      case 'a':
        if (card) void decide(card, 'approved');
        break;
      case 'r':
        if (card) void decide(card, 'rejected');
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  select(0);
})();
