// A todo list on hearthdb/react, without JSX (so Vite needs no React plugin)
// and without any Vite configuration. It syncs through the relay that
// serves it, in the space named by ?space=.
import { createElement as h, memo, StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { open } from 'hearthdb';
import { useDoc, useQuery, useSyncStatus } from 'hearthdb/react';

// How often each row rendered, by id: unchanged documents keep their
// identity, so memo() skips them.
window.rowRenders = {};

const Row = memo(function Row({ todo }) {
  window.rowRenders[todo.id] = (window.rowRenders[todo.id] ?? 0) + 1;
  return h('li', null, todo.title);
});

function List({ db }) {
  const todos = useQuery(db.query('todos').orderBy('title'));
  return todos === undefined
    ? h('p', { id: 'loading' }, 'Loading…')
    : h('ul', { id: 'list' }, todos.map((t) => h(Row, { key: t.id, todo: t })));
}

function App({ db }) {
  const [hidden, setHidden] = useState(false);
  const pinned = useDoc(db, 'notes', 'pinned');
  const status = useSyncStatus(db);
  const [title, setTitle] = useState('');
  const add = (e) => {
    e.preventDefault();
    db.collection('todos').put({ id: crypto.randomUUID(), title });
    setTitle('');
  };
  return h('main', null,
    h('p', { id: 'sync', className: status.state }, status.state),
    h('p', { id: 'pinned' }, pinned ? pinned.text : '(no note)'),
    h('form', { onSubmit: add },
      h('input', { id: 'title', value: title, onChange: (e) => setTitle(e.target.value) }),
      h('button', { type: 'submit' }, 'Add')),
    h('label', null, h('input', { id: 'hide', type: 'checkbox', checked: hidden, onChange: (e) => setHidden(e.target.checked) }), ' hide the list'),
    hidden ? null : h(List, { db }));
}

const space = new URLSearchParams(location.search).get('space') ?? 'vite-react';
open({ name: 'vite-react' }).then((db) => {
  window.db = db;
  db.sync.connect({ url: location.origin, space });
  createRoot(document.getElementById('app')).render(h(StrictMode, null, h(App, { db })));
});
