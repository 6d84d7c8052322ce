// ssb_duckdb.mjs - the DuckDB side of tests/bench/ssb_bench.sh (a benchmark tool, not a test).
//
//   node ssb_duckdb.mjs --modules DIR/node_modules --db FILE --ssb SSB_DIR
//        --postgres-sql contrib/ssb/postgres.sql [--threads 2] [--warmup 3] [--runs 1000]
//        [--min-runs 5] [--seconds 30] [--out DIR] QUERY.sql...
//
// --modules is the node_modules directory `npm install @duckdb/node-api` wrote (under /tmp, not
// committed; ES modules ignore NODE_PATH, so the package is imported from there by path).
// Loads kiln-ssbgen's .tbl files into a DuckDB database file with the DDL of
// contrib/ssb/postgres.sql (each table's last column *_pad takes the empty field after the
// trailing '|' of every line, as in PostgreSQL and kiln; its \copy lines become COPY ...
// (FORMAT csv, DELIMITER '|', HEADER false)), then times each query in-process
// (runAndReadAll: execute and materialize every row), in rounds of every query once: WARMUP
// untimed rounds, then up to RUNS timed ones, stopping after SECONDS x queries once MIN_RUNS
// rounds are in. Prints on stdout:
//   load_ms <ms>
//   <name> <runs> <p50_us> <p99_us> <min_us> <mean_us> <max_us> <rows>   (tab-separated)
//   vmhwm_kb <peak RSS of this node process>
// --out DIR writes DIR/NAME.out as psql -A -t -F '|' prints the rows (NULL empty).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = { threads: '2', warmup: 3, runs: 1000, 'min-runs': 5, seconds: 30 };
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) opt[args[i].slice(2)] = args[++i];
  else files.push(args[i]);
}
for (const k of ['db', 'ssb', 'postgres-sql', 'modules']) {
  if (!opt[k]) { console.error(`ssb_duckdb.mjs: --${k} is required`); process.exit(2); }
}
const entry = join(opt.modules, '@duckdb', 'node-api', 'lib', 'index.js');
const { DuckDBInstance } = await import(pathToFileURL(entry).href);

const inst = await DuckDBInstance.create(opt.db, { threads: String(opt.threads) });
const con = await inst.connect();
const now = () => performance.now();

// DDL and load from contrib/ssb/postgres.sql
let ddl = readFileSync(opt['postgres-sql'], 'utf8').replaceAll('@SSB_DIR@', opt.ssb);
ddl = ddl.split('\n').filter(l => !l.startsWith('--')).map(l => {
  const m = l.match(/^\\copy (\w+) FROM '([^']+)' WITH \((.*)\)\s*$/);
  return m ? `COPY ${m[1]} FROM '${m[2]}' (${m[3]}, HEADER false);` : l;
}).join('\n');
let t0 = now();
for (const stmt of ddl.split(';').map(s => s.trim()).filter(s => s.length)) {
  await con.run(stmt);
}
await con.run('CHECKPOINT');
console.log(`load_ms\t${(now() - t0).toFixed(0)}`);

const fmt = v => {
  if (v === null || v === undefined) return '';
  return String(v);
};

// Rounds: every query once per round (as ssb_lat does), so each query meets the same load.
const qs = files.map(f => ({ name: basename(f).replace(/\.sql$/, ''), sql: readFileSync(f, 'utf8'), lat: [] }));
for (let w = 0; w < Number(opt.warmup); w++) {
  for (const q of qs) {
    const res = await con.runAndReadAll(q.sql);
    q.reader = q.reader ?? res;
  }
}
const start = now();
for (let r = 0; r < Number(opt.runs); r++) {
  if (r >= Number(opt['min-runs']) && now() - start > Number(opt.seconds) * 1000 * qs.length) break;
  for (const q of qs) {
    const t = now();
    const res = await con.runAndReadAll(q.sql);
    q.lat.push((now() - t) * 1000);
    q.reader = q.reader ?? res;
  }
}
for (const q of qs) {
  const rows = q.reader.getRows();
  if (opt.out) {
    writeFileSync(join(opt.out, `${q.name}.out`), rows.map(r => r.map(fmt).join('|') + '\n').join(''));
  }
  const sorted = [...q.lat].sort((a, b) => a - b);
  const pct = p => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const mean = q.lat.reduce((a, b) => a + b, 0) / q.lat.length;
  console.log([q.name, q.lat.length, pct(0.5).toFixed(1), pct(0.99).toFixed(1), sorted[0].toFixed(1),
               mean.toFixed(1), sorted[sorted.length - 1].toFixed(1), rows.length].join('\t'));
}
const hwm = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)/);
console.log(`vmhwm_kb\t${hwm ? hwm[1] : 'n/a'}`);
con.closeSync();
inst.closeSync?.();
