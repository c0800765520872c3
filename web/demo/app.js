// The demo app: a shared todo list and notes with collaborative text, stored
// in Hearth. Everything lives in IndexedDB, so it survives a reload and works
// offline; it syncs through the relay that serves this page (`make demo`),
// so every window shows the same data live. A service worker (sw.js) keeps
// the files, so after one visit the page also loads with the network off.
// The package, web/dist/, through the symlink pkg -> ../dist: under /demo/,
// the engine's Worker stays in the service worker's scope (see sw.js).
import { open, text } from './pkg/index.js';
import { bindText } from './pkg/text.js';

const $ = (id) => document.getElementById(id);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('./sw.js').then(() => navigator.serviceWorker.ready).then(() => {
    $('offline-ready').textContent = 'Everything lives in this browser\'s IndexedDB and syncs through the relay that serves this page. This page now also loads offline.';
  }, (err) => console.warn('hearth demo: no service worker:', err));
}

const db = await open({ name: 'demo' });
const todos = db.collection('todos');
const notes = db.collection('notes');

/** Runs a write and shows its error, if any, in the todo status line. */
async function run(write) {
  try {
    await write;
  } catch (err) {
    $('status').textContent = `${err.name}: ${err.message}`;
    $('status').className = 'error';
  }
}

// --- sync status ------------------------------------------------------

const syncOptions = { url: location.origin, space: 'demo' };

db.sync.subscribe(({ state, pending, lastError }) => {
  $('sync').className = state;
  $('state').textContent = state;
  $('pending').textContent = pending ? `${pending} change${pending === 1 ? '' : 's'} to send` : '';
  $('lastError').textContent = lastError && state !== 'synced' ? `(${lastError.code})` : '';
});
db.sync.connect(syncOptions);

function showNetwork() {
  $('network').textContent = navigator.onLine ? 'network on' : 'network off';
  $('network').className = navigator.onLine ? 'pill' : 'pill off';
}
showNetwork();
addEventListener('offline', showNetwork);
addEventListener('online', () => {
  showNetwork();
  // Back online: reconnect now rather than when the backoff says.
  db.sync.connect(syncOptions);
});

// --- todos ------------------------------------------------------------

// The list follows every committed change: this window's, another tab's,
// or one that arrived from the relay.
db.query('todos').orderBy('created').subscribe((items) => {
  $('list').replaceChildren(...items.map(todoItem));
  $('status').textContent = `${items.length} item${items.length === 1 ? '' : 's'}, stored in IndexedDB.`;
  $('status').className = '';
});

function todoItem(todo) {
  const li = document.createElement('li');
  li.className = todo.done ? 'done' : '';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = todo.done;
  box.setAttribute('aria-label', 'Done');
  box.onchange = () => run(todos.update(todo.id, { done: box.checked }));
  const title = document.createElement('span');
  title.textContent = todo.title;
  const remove = document.createElement('button');
  remove.textContent = 'Delete';
  remove.onclick = () => run(todos.delete(todo.id));
  li.append(box, title, remove);
  return li;
}

$('add').onsubmit = (event) => {
  event.preventDefault();
  const todo = { id: crypto.randomUUID(), title: $('title').value.trim(), done: false, created: Date.now() };
  $('title').value = '';
  if (todo.title) run(todos.put(todo));
};

// --- notes ------------------------------------------------------------

// The open note is in the URL (#note=<id>), so a link opens the same note in
// another window.
let current = null; // { id, unbind, stop }
let noteList = [];

const noteFromHash = () => new URLSearchParams(location.hash.slice(1)).get('note');

// Only the titles: typing in a note's text does not redraw the list.
db.query('notes').orderBy('created').select('title', 'created').subscribe((list) => {
  noteList = list;
  $('notes').replaceChildren(...list.map((note) => {
    const li = document.createElement('li');
    li.className = note.id === current?.id ? 'current' : '';
    const a = document.createElement('a');
    a.href = `#note=${encodeURIComponent(note.id)}`;
    a.textContent = note.title || 'Untitled';
    li.append(a);
    return li;
  }));
  if (!current && !noteFromHash() && list.length > 0) openNote(list[0].id);
});

function openNote(id) {
  if (current?.id === id) return;
  current?.unbind();
  current?.stop();
  current = null;
  $('editor').hidden = !id;
  $('empty').hidden = !!id;
  for (const li of $('notes').children) li.className = li.firstChild.getAttribute('href') === `#note=${encodeURIComponent(id)}` ? 'current' : '';
  if (!id) return;
  const title = $('note-title');
  const stop = db.doc('notes', id).subscribe((note) => {
    if (!note) {
      $('note-info').textContent = 'This note was deleted.';
      return;
    }
    if (document.activeElement !== title) title.value = note.title ?? '';
    $('note-info').textContent = `${(note.body ?? '').length} characters, shared with every window on this note.`;
  });
  // The note's text: typing becomes insertText/deleteText, and edits from
  // other windows arrive without moving this window's caret off its text.
  const unbind = bindText($('body'), db, 'notes', id, 'body', { onError: (err) => run(Promise.reject(err)) });
  current = { id, unbind, stop };
}

addEventListener('hashchange', () => openNote(noteFromHash()));
if (noteFromHash()) openNote(noteFromHash());

$('note-title').onchange = () => {
  if (current) run(notes.update(current.id, { title: $('note-title').value.trim() }));
};

$('add-note').onsubmit = async (event) => {
  event.preventDefault();
  const id = crypto.randomUUID();
  const title = $('note-name').value.trim();
  $('note-name').value = '';
  if (!title) return;
  await run(notes.put({ id, title, body: text(''), created: Date.now() }));
  location.hash = `note=${encodeURIComponent(id)}`;
  $('body').focus();
};

$('delete-note').onclick = async () => {
  if (!current) return;
  const { id } = current;
  await run(notes.delete(id));
  const next = noteList.find((n) => n.id !== id);
  location.hash = next ? `note=${encodeURIComponent(next.id)}` : '';
  if (!next) openNote(null);
};
