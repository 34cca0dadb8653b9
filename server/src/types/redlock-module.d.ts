// redlock 5 ships its types at dist/index.d.ts but its package "exports" hide them from NodeNext
// resolution; leader-lock.ts imports the types by path and casts the runtime module to them.
declare module 'redlock';
