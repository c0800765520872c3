// A todo list on hearthdb/vue, with render functions (so Vite needs no Vue
// plugin) and without any Vite configuration. It syncs through the relay
// that serves it, in the space named by ?space=.
import { createApp, h, ref } from 'vue';
import { open } from 'hearthdb';
import { useDoc, useQuery, useSyncStatus } from 'hearthdb/vue';

const List = {
  props: ['db'],
  setup({ db }) {
    const todos = useQuery(db.query('todos').orderBy('title'));
    return () => (todos.value === undefined
      ? h('p', { id: 'loading' }, 'Loading…')
      : h('ul', { id: 'list' }, todos.value.map((t) => h('li', { key: t.id }, t.title))));
  },
};

const App = {
  props: ['db'],
  setup({ db }) {
    const hidden = ref(false);
    const pinned = useDoc(db.doc('notes', 'pinned'));
    const status = useSyncStatus(db);
    const title = ref('');
    const add = (e) => {
      e.preventDefault();
      db.collection('todos').put({ id: crypto.randomUUID(), title: title.value });
      title.value = '';
    };
    return () => h('main', null, [
      h('p', { id: 'sync', class: status.value.state }, status.value.state),
      h('p', { id: 'pinned' }, pinned.value ? pinned.value.text : '(no note)'),
      h('form', { onSubmit: add }, [
        h('input', { id: 'title', value: title.value, onInput: (e) => { title.value = e.target.value; } }),
        h('button', { type: 'submit' }, 'Add'),
      ]),
      h('label', null, [h('input', { id: 'hide', type: 'checkbox', checked: hidden.value, onChange: (e) => { hidden.value = e.target.checked; } }), ' hide the list']),
      hidden.value ? null : h(List, { db }),
    ]);
  },
};

const space = new URLSearchParams(location.search).get('space') ?? 'vite-vue';
open({ name: 'vite-vue' }).then((db) => {
  window.db = db;
  db.sync.connect({ url: location.origin, space });
  createApp(App, { db }).mount('#app');
});
