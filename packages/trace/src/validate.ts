/**
 * A structural check of Chrome Trace Event JSON (the object form or a bare array), the rules
 * Perfetto and chrome://tracing rely on: fields and their types per phase, B/E nesting per
 * thread, X slices nested or disjoint per thread (Perfetto drops partial overlaps), every `e`
 * closing an open `b`, every flow starting with `s` and going forward in time. Events are checked
 * in time order (stable for equal times), as the viewers read them. Returns the problems found,
 * an empty list for a clean trace.
 */

const PHASES = new Set(['X', 'B', 'E', 'i', 'I', 'C', 'b', 'n', 'e', 's', 't', 'f', 'M']);
const METADATA = new Set(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index', 'process_labels']);
/** Float slack for comparing µs times (1 ps). */
const EPS = 1e-6;

interface Ev {
  readonly at: number;
  readonly name: string;
  readonly ph: string;
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly o: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateChromeTrace(trace: unknown, opts: { maxProblems?: number } = {}): string[] {
  const max = opts.maxProblems ?? 100;
  const problems: string[] = [];
  const report = (msg: string): void => {
    if (problems.length < max) problems.push(msg);
    else if (problems.length === max) problems.push('… more problems not listed');
  };
  let list: unknown;
  if (Array.isArray(trace)) list = trace;
  else if (isObject(trace)) {
    list = trace['traceEvents'];
    if (!Array.isArray(list)) {
      report('traceEvents: expected an array');
      return problems;
    }
    const unit = trace['displayTimeUnit'];
    if (unit !== undefined && unit !== 'ms' && unit !== 'ns') report(`displayTimeUnit: expected "ms" or "ns", got ${JSON.stringify(unit)}`);
    if (trace['otherData'] !== undefined && !isObject(trace['otherData'])) report('otherData: expected an object');
  } else {
    report('expected an object with traceEvents, or an array of events');
    return problems;
  }

  const evs: Ev[] = [];
  (list as unknown[]).forEach((raw, at) => {
    const where = `traceEvents[${at}]`;
    if (!isObject(raw)) {
      report(`${where}: expected an object`);
      return;
    }
    const label = `${where} (${String(raw['ph'])} ${JSON.stringify(raw['name'])})`;
    let ok = true;
    const bad = (msg: string): void => {
      ok = false;
      report(`${label}: ${msg}`);
    };
    const { name, ph, ts, pid, tid } = raw;
    if (typeof name !== 'string') bad('name must be a string');
    if (typeof ph !== 'string' || !PHASES.has(ph)) bad(`ph must be one of ${[...PHASES].join(' ')}`);
    if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0) bad('ts must be a number ≥ 0 (µs)');
    if (!Number.isInteger(pid)) bad('pid must be an integer');
    if (!Number.isInteger(tid)) bad('tid must be an integer');
    if (raw['args'] !== undefined && !isObject(raw['args'])) bad('args must be an object');
    if (raw['cat'] !== undefined && typeof raw['cat'] !== 'string') bad('cat must be a string');
    if (!ok) return;
    const p = ph as string;
    if (p === 'X') {
      const dur = raw['dur'];
      if (typeof dur !== 'number' || !Number.isFinite(dur) || dur < 0) bad('X needs dur, a number ≥ 0');
    }
    if ('bnestf'.includes(p)) {
      const id = raw['id'];
      if (!((typeof id === 'number' && Number.isFinite(id)) || (typeof id === 'string' && id !== ''))) bad(`${p} needs an id (number or string)`);
      if (typeof raw['cat'] !== 'string' || raw['cat'] === '') bad(`${p} needs a cat`);
    }
    if ((p === 'i' || p === 'I') && raw['s'] !== undefined && !['g', 'p', 't'].includes(raw['s'] as string)) bad('instant scope s must be g, p or t');
    if (p === 'f' && raw['bp'] !== undefined && raw['bp'] !== 'e') bad('bp must be "e"');
    if (p === 'C') {
      const args = raw['args'];
      if (!isObject(args) || Object.keys(args).length === 0) bad('C needs args with at least one series');
      else for (const [k, v] of Object.entries(args)) if (typeof v !== 'number' || !Number.isFinite(v)) bad(`C series ${k} must be a finite number`);
    }
    if (p === 'M') {
      const args = raw['args'];
      if (!METADATA.has(name as string)) bad(`M name must be one of ${[...METADATA].join(', ')}`);
      else if (name === 'process_name' || name === 'thread_name') {
        if (!isObject(args) || typeof args['name'] !== 'string') bad(`${name as string} needs args.name, a string`);
      } else if (name === 'process_sort_index' || name === 'thread_sort_index') {
        if (!isObject(args) || !Number.isInteger(args['sort_index'])) bad(`${name as string} needs args.sort_index, an integer`);
      }
    }
    if (ok) evs.push({ at, name: name as string, ph: p, ts: ts as number, pid: pid as number, tid: tid as number, o: raw });
  });

  // Time order, as a viewer reads it (stable: file order for equal times).
  evs.sort((a, b) => a.ts - b.ts || a.at - b.at);
  const label = (e: Ev): string => `traceEvents[${e.at}] (${e.ph} ${JSON.stringify(e.name)})`;
  const thread = (e: Ev): string => `${e.pid}/${e.tid}`;

  // B/E and X per thread: one stack of open slices (end = Infinity while a B is open).
  const stacks = new Map<string, { e: Ev; end: number }[]>();
  const asyncOpen = new Map<string, Ev[]>();
  const flows = new Map<string, { last: Ev; ended: boolean }>();
  for (const e of evs) {
    const key = thread(e);
    if (e.ph === 'B' || e.ph === 'X' || e.ph === 'E') {
      const st = stacks.get(key) ?? [];
      stacks.set(key, st);
      if (e.ph === 'E') {
        // close finished X slices first, then the innermost B
        while (st.length > 0 && st[st.length - 1]!.end !== Infinity && st[st.length - 1]!.end <= e.ts + EPS) st.pop();
        const top = st[st.length - 1];
        if (top === undefined || top.end !== Infinity) {
          report(`${label(e)}: E without an open B on ${key}${top === undefined ? '' : ` (inside X ${JSON.stringify(top.e.name)})`}`);
          continue;
        }
        if (e.name !== '' && e.o['name'] !== undefined && top.e.name !== e.name) report(`${label(e)}: E closes "${top.e.name}" (opened at traceEvents[${top.e.at}]): B/E must nest`);
        st.pop();
        continue;
      }
      const end = e.ph === 'X' ? e.ts + (e.o['dur'] as number) : Infinity;
      while (st.length > 0 && st[st.length - 1]!.end !== Infinity && st[st.length - 1]!.end <= e.ts + EPS) st.pop();
      const top = st[st.length - 1];
      if (top !== undefined && top.end !== Infinity && end > top.end + EPS) {
        report(`${label(e)}: overlaps X "${top.e.name}" (traceEvents[${top.e.at}]) on ${key} without nesting in it`);
        continue;
      }
      st.push({ e, end });
      continue;
    }
    if (e.ph === 'b' || e.ph === 'e' || e.ph === 'n') {
      const k = `${e.pid}|${String(e.o['cat'])}|${String(e.o['id'])}|${e.name}`;
      const open = asyncOpen.get(k) ?? [];
      asyncOpen.set(k, open);
      if (e.ph === 'b') open.push(e);
      else if (e.ph === 'e') {
        if (open.length === 0) report(`${label(e)}: e without an open b (pid ${e.pid}, cat ${String(e.o['cat'])}, id ${String(e.o['id'])})`);
        else open.pop();
      }
      continue;
    }
    if (e.ph === 's' || e.ph === 't' || e.ph === 'f') {
      const k = `${String(e.o['cat'])}|${String(e.o['id'])}|${e.name}`;
      const f = flows.get(k);
      if (e.ph === 's') {
        if (f !== undefined && !f.ended) report(`${label(e)}: flow ${String(e.o['id'])} started again before it ended`);
        flows.set(k, { last: e, ended: false });
        continue;
      }
      if (f === undefined || f.ended) {
        report(`${label(e)}: flow ${String(e.o['id'])} has a ${e.ph} without an s before it`);
        continue;
      }
      f.last = e;
      if (e.ph === 'f') f.ended = true;
    }
  }
  for (const st of stacks.values()) for (const x of st) if (x.end === Infinity) report(`${label(x.e)}: B never ended`);
  for (const open of asyncOpen.values()) for (const b of open) report(`${label(b)}: b never ended by an e`);
  for (const f of flows.values()) if (!f.ended) report(`${label(f.last)}: flow ${String(f.last.o['id'])} never ends with an f`);
  return problems;
}
