// The demo app: a todo list stored in Hearth. Everything lives in IndexedDB,
// so the list survives a reload, and syncs through the relay that serves
// this page (`make demo`), so every window shows the same list live.
import { open } from '../dist/index.js';

const status = document.getElementById('status');
const list = document.getElementById('list');
const form = document.getElementById('add');
const title = document.getElementById('title');

const syncLine = document.getElementById('sync');

const db = await open({ name: 'demo' });
const todos = db.collection('todos');

function render(items) {
  list.replaceChildren(...items.map(item));
  status.textContent = `${items.length} item${items.length === 1 ? '' : 's'}, stored in IndexedDB.`;
  status.className = '';
}

// The list follows every committed change: this window's, another tab's,
// or one that arrived from the relay.
db.query('todos').orderBy('created').subscribe(render);

db.sync.subscribe(({ state, pending, lastError }) => {
  const bold = document.createElement('b');
  bold.textContent = state;
  const more = (pending ? `, ${pending} change${pending === 1 ? '' : 's'} to send` : '')
    + (lastError && state !== 'synced' ? ` (${lastError.code})` : '');
  syncLine.className = state;
  syncLine.replaceChildren('Sync: ', bold, more);
});
db.sync.connect({ url: location.origin, space: 'demo' });

function item(todo) {
  const li = document.createElement('li');
  li.className = todo.done ? 'done' : '';
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = todo.done;
  box.onchange = () => run(todos.put({ ...todo, done: box.checked }));
  const text = document.createElement('span');
  text.textContent = todo.title;
  const remove = document.createElement('button');
  remove.textContent = 'Delete';
  remove.onclick = () => run(todos.delete(todo.id));
  li.append(box, text, remove);
  return li;
}

async function run(write) {
  try {
    await write;
  } catch (err) {
    status.textContent = `${err.name}: ${err.message}`;
    status.className = 'error';
  }
}

form.onsubmit = (event) => {
  event.preventDefault();
  const todo = { id: crypto.randomUUID(), title: title.value.trim(), done: false, created: Date.now() };
  title.value = '';
  if (todo.title) run(todos.put(todo));
};

