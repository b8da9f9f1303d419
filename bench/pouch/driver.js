// The PouchDB side of bench/sync.py: a PouchDB client (memory adapter) that replicates
// with a remote CouchDB-compatible database (pouchdb-server) the way a PouchDB app does:
// one-shot db.replicate.from / db.replicate.to / db.sync with PouchDB's default batch
// sizes (batch_size 100, batches_limit 10).
//
// The Python driver talks to this process in JSON lines on stdin/stdout: one command per
// line, one answer per line ({"ok": true, ...} or {"ok": false, "error": "..."}), so the
// Python side can read the proxy's counters between commands.
'use strict';

const fs = require('fs');
const http = require('http');
const readline = require('readline');

// The `pouchdb` package as an app uses it; the memory adapter keeps the client's copy in
// RAM (no leveldown build needed; replication code and wire traffic are the same).
const PouchDB = require('pouchdb').plugin(require('pouchdb-adapter-memory'));

const local = new Map();

// Keep-alive, as a browser or a long-running app has: node-fetch (PouchDB's fetch in
// node) sends `connection: close` and opens a new connection per request unless it is
// given an agent. Responses come gzip (node-fetch asks for it; pouchdb-server's
// compression() sends it), the request bodies plain, as PouchDB sends them.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const keepAliveFetch = (url, opts) => PouchDB.fetch(url, Object.assign({}, opts, { agent }));

function remoteDb(url) {
  return new PouchDB(url, { fetch: keepAliveFetch });
}

function db(name) {
  if (!local.has(name)) local.set(name, new PouchDB(name, { adapter: 'memory' }));
  return local.get(name);
}

function summary(info) {
  // replicate() answers {docs_read, docs_written, ...}; sync() answers {push, pull}
  if (info && info.push) return { push: summary(info.push), pull: summary(info.pull) };
  return { docs_read: info.docs_read, docs_written: info.docs_written, doc_write_failures: info.doc_write_failures };
}

async function edit(target, ids, field, value) {
  const docs = await target.allDocs({ keys: ids, include_docs: true });
  const changed = docs.rows.map((row) => Object.assign(row.doc, { [field]: `${value} ${row.id.slice(0, 8)}` }));
  const results = await target.bulkDocs(changed);
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`edits refused: ${JSON.stringify(failed)}`);
  return results.length;
}

const commands = {
  // Put the records on the remote first (directly, not through the measuring proxy).
  async seed({ remote, file }) {
    const docs = JSON.parse(fs.readFileSync(file, 'utf8'));
    const target = remoteDb(remote);
    for (let i = 0; i < docs.length; i += 1000) {
      const res = await target.bulkDocs(docs.slice(i, i + 1000));
      const failed = res.filter((r) => !r.ok);
      if (failed.length) throw new Error(`seed refused: ${JSON.stringify(failed.slice(0, 3))}`);
    }
    return { count: (await target.info()).doc_count };
  },
  async pull({ name, remote }) {
    return summary(await db(name).replicate.from(remoteDb(remote)));
  },
  async push({ name, remote }) {
    return summary(await db(name).replicate.to(remoteDb(remote)));
  },
  async sync({ name, remote }) {
    return summary(await db(name).sync(remoteDb(remote)));
  },
  async edit_local({ name, ids, field, value }) {
    return { edited: await edit(db(name), ids, field, value) };
  },
  // Another client writing on the server (directly, not through the measuring proxy).
  async edit_remote({ remote, ids, field, value }) {
    return { edited: await edit(remoteDb(remote), ids, field, value) };
  },
  async get({ name, id }) {
    return { doc: await db(name).get(id) };
  },
  async info({ name }) {
    return { doc_count: (await db(name).info()).doc_count };
  },
};

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(async () => {
    let answer;
    const started = process.hrtime.bigint();
    try {
      const msg = JSON.parse(line);
      const fn = commands[msg.cmd];
      if (!fn) throw new Error(`unknown command ${msg.cmd}`);
      answer = Object.assign({ ok: true }, await fn(msg));
    } catch (err) {
      answer = { ok: false, error: String((err && (err.stack || err.message)) || err) };
    }
    answer.seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(JSON.stringify(answer) + '\n');
  });
});
rl.on('close', () => queue.then(() => process.exit(0)));
