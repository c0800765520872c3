// Type checks of every subpath's declarations, as an app sees them through
// the package's "exports" (tsc --noEmit; Vite never builds this file).
// Lines after a ts-expect-error comment must not compile.
import { open, type Doc, type SyncStatus } from 'hearthdb';
import { live } from 'hearthdb/live';
import * as react from 'hearthdb/react';
import * as svelte from 'hearthdb/svelte';
import * as vue from 'hearthdb/vue';
import { ref, type Ref } from 'vue';

interface Todo extends Doc {
  title: string;
  done: boolean;
}

export async function check(): Promise<void> {
  const db = await open({ name: 'types' });
  const query = db.query<Todo>('todos').where('done', '==', false);
  const doc = db.doc<Todo>('todos', 't1');

  const store = live(query);
  const snapshot: Todo[] | undefined = store.getSnapshot();
  const stop: () => void = store.subscribe(() => {});
  const status: SyncStatus = live(db.sync).getSnapshot();

  const todos: Todo[] | undefined = react.useQuery(query);
  const one: Todo | undefined = react.useDoc(doc);
  const other: Todo | undefined = react.useDoc<Todo>(db, 'todos', 't2');
  const sync: SyncStatus = react.useSyncStatus(db);
  const maybe: SyncStatus | undefined = react.useSyncStatus(null);
  // @ts-expect-error a query result is a list, not one document
  const wrong: Todo = react.useQuery(query);

  const vueTodos: Readonly<Ref<Todo[] | undefined>> = vue.useQuery(() => query);
  const vueDoc: Readonly<Ref<Todo | undefined>> = vue.useDoc(ref(doc));
  const vueOther: Readonly<Ref<Todo | undefined>> = vue.useDoc<Todo>(db, 'todos', ref('t2'));
  const vueSync: Readonly<Ref<SyncStatus | undefined>> = vue.useSyncStatus(db);
  // @ts-expect-error the refs are read-only
  vueTodos.value = [];

  const unsubscribe: () => void = svelte.queryStore(query).subscribe((list: Todo[] | undefined) => {});
  svelte.docStore(doc).subscribe((d: Todo | undefined) => {});
  svelte.syncStore(db).subscribe((s: SyncStatus) => {});
  // @ts-expect-error a store's value may be undefined until the first result
  svelte.queryStore(query).subscribe((list: Todo[]) => {});

  void [snapshot, stop, status, todos, one, other, sync, maybe, wrong, vueDoc, vueOther, vueSync, unsubscribe];
}
