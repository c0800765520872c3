// The demo app: a todo list stored in Hearth. Everything lives in IndexedDB,
// so the list survives a reload.
import { open } from '../dist/index.js';

const status = document.getElementById('status');
const list = document.getElementById('list');
const form = document.getElementById('add');
const title = document.getElementById('title');

const db = await open({ name: 'demo' });
const todos = db.collection('todos');

async function render() {
  const items = (await todos.all()).sort((a, b) => a.created - b.created);
  list.replaceChildren(...items.map(item));
  status.textContent = `${items.length} item${items.length === 1 ? '' : 's'}, stored in IndexedDB.`;
  status.className = '';
}

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
    await render();
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

await render();
