/** The report's stylesheet, inlined into the page. */
export const CSS = `
:root {
  --fg: #1b1f24; --muted: #5b6570; --faint: #8a949e; --line: #d8dde3; --bg: #ffffff; --panel: #f6f8fa;
  --corruption: #b42318; --dataLeak: #9f1ab1; --staleOffset: #c4320a; --lostWrite: #b54708; --hang: #6941c6;
  --informed: #175cd3; --delayedOk: #0e7c86; --ok: #067647; --error: #344054;
  --lease: #2e90fa; --file: #98a2b3; --layout: #f79009; --io: #12b76a; --map: #15b79e; --rdma: #7a5af8; --sync: #d0d5dd;
  --signal: #dc6803; --band: rgba(250, 204, 21, 0.28); --band-edge: #ca8a04;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: var(--bg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, .mono, td.num { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
header.top { padding: 18px 28px 10px; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top h1 { margin: 0 0 4px; font-size: 21px; font-weight: 650; }
header.top .sub { color: var(--muted); }
nav.toc { position: sticky; top: 0; z-index: 5; display: flex; gap: 18px; padding: 8px 28px; background: rgba(255,255,255,0.96); border-bottom: 1px solid var(--line); font-size: 13px; }
nav.toc a { color: var(--fg); text-decoration: none; font-weight: 550; }
nav.toc a:hover { text-decoration: underline; }
main { padding: 8px 28px 48px; max-width: 1480px; }
section.block { margin-top: 26px; }
h2 { font-size: 17px; margin: 0 0 8px; font-weight: 650; }
h3 { font-size: 15px; margin: 0; font-weight: 620; }
p.lead { margin: 0 0 10px; color: var(--muted); max-width: 980px; }
p.note { margin: 6px 0; color: var(--muted); font-size: 12.5px; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 12px; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 128px; background: var(--bg); }
.kpi .v { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .k { color: var(--muted); font-size: 12px; }
.kpi.bad .v { color: var(--corruption); }
.kpi.good .v { color: var(--ok); }
table { border-collapse: collapse; }
table.grid { width: 100%; font-size: 12.5px; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 4px 7px; vertical-align: top; }
table.grid thead th { background: var(--panel); text-align: left; font-weight: 600; font-size: 12px; color: var(--muted); border-bottom: 1px solid #c3cad2; z-index: 1; }
table.grid tbody tr:hover { background: #f9fafb; }
td.zero { color: #c1c7cd; }
td.pos { font-weight: 650; }
td.pos.c-corruption, td.pos.c-dataLeak, td.pos.c-staleOffset, td.pos.c-lostWrite { color: var(--corruption); }
td.pos.c-hang { color: var(--hang); }
td.pos.c-informed { color: var(--informed); }
td.pos.c-delayedOk { color: var(--delayedOk); }
.wrap { overflow-x: auto; }
.wrap.scroll { max-height: 460px; overflow-y: auto; border: 1px solid var(--line); border-radius: 4px; }
.wrap.scroll thead th { position: sticky; top: 0; }
.wide { max-width: 960px; }
table.runs td:nth-child(2), table.runs td:nth-child(3) { white-space: nowrap; }
table.matrix { font-size: 13px; }
table.matrix th, table.matrix td { border: 1px solid var(--line); padding: 6px 8px; }
table.matrix thead th { background: var(--panel); font-size: 12px; font-weight: 600; white-space: nowrap; }
table.matrix tbody th { text-align: left; font-weight: 600; white-space: nowrap; background: var(--panel); }
td.cell { min-width: 118px; vertical-align: top; }
td.cell a { color: inherit; text-decoration: none; display: block; }
td.cell.w-violation { background: #fef3f2; }
td.cell.w-hang { background: #f4f3ff; }
td.cell.w-error { background: #f2f4f7; }
td.cell.w-informed { background: #eff8ff; }
td.cell.w-delayedOk { background: #f0fdf9; }
td.cell.w-ok { background: #f6fef9; }
td.cell.w-none { background: #fff; color: var(--faint); }
.chip { display: inline-block; margin: 1px 3px 1px 0; padding: 0 6px; border-radius: 9px; font-size: 11.5px; line-height: 18px; white-space: nowrap; color: #fff; }
.chip.k-corruption { background: var(--corruption); } .chip.k-dataLeak { background: var(--dataLeak); }
.chip.k-staleOffset { background: var(--staleOffset); } .chip.k-lostWrite { background: var(--lostWrite); }
.chip.k-hang { background: var(--hang); } .chip.k-delayedOk { background: var(--delayedOk); }
.chip.k-EPERM, .chip.k-ETXTBSY, .chip.k-EOPNOTSUPP, .chip.k-EINTR { background: var(--informed); }
.chip.k-error { background: var(--error); } .chip.k-ok { background: var(--ok); }
.runs-n { color: var(--faint); font-size: 11px; }
.status { display: inline-block; padding: 0 7px; border-radius: 4px; font-size: 11.5px; font-weight: 650; letter-spacing: 0.02em; text-transform: uppercase; line-height: 18px; }
.status.passed { background: #dcfae6; color: #085d3a; } .status.failed { background: #fee4e2; color: #912018; }
.status.error { background: #eaecf0; color: #101828; } .status.interrupted { background: #fef0c7; color: #93370d; }
.filters { display: flex; gap: 12px; align-items: center; margin: 6px 0 8px; font-size: 13px; color: var(--muted); }
.filters select, .filters input { font: inherit; padding: 2px 6px; border: 1px solid var(--line); border-radius: 4px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12px; color: var(--muted); margin: 6px 0; }
.legend .sw { display: inline-block; width: 14px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.legend .sw.line { height: 3px; vertical-align: 3px; }
.charts { display: grid; grid-template-columns: 1fr; gap: 14px; max-width: 1240px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: var(--bg); }
.card h3 { margin-bottom: 6px; }
details.card > summary { list-style: none; margin: 0; color: inherit; font-size: inherit; }
details.card > summary::-webkit-details-marker { display: none; }
details.card > summary h3::before { content: "▸ "; color: var(--muted); }
details.card[open] > summary h3::before { content: "▾ "; }
details.card:not([open]) .meta { margin-bottom: 0; }
.card[data-latency-compare] { max-width: 1240px; }
.card .meta { color: var(--muted); font-size: 12.5px; margin-bottom: 6px; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
svg.chart { width: 100%; height: auto; display: block; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
svg .tick { font-size: 10.5px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg .axis-title { font-size: 11px; fill: var(--muted); }
svg .empty { font-size: 13px; fill: var(--faint); }
svg .grid { stroke: #eaecf0; stroke-width: 1; }
svg .tickmark { stroke: #98a2b3; }
svg .frame { fill: none; stroke: #c3cad2; }
svg .divider { stroke: #c3cad2; }
section.run { margin: 16px 0 0; border: 1px solid var(--line); border-radius: 6px; }
section.run > details > summary { list-style: none; display: block; margin: 0; color: inherit; }
section.run > details > summary::-webkit-details-marker { display: none; }
section.run > details > summary header::before { content: "▸"; color: var(--muted); width: 10px; }
section.run > details[open] > summary header::before { content: "▾"; }
section.run header { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: baseline; padding: 9px 12px; background: var(--panel); border-bottom: 1px solid var(--line); border-radius: 6px 6px 0 0; }
section.run header h3 { font-size: 15px; }
section.run header .facts { color: var(--muted); font-size: 12.5px; }
section.run .body { padding: 8px 12px 12px; }
details.expectations > summary.bad { color: #912018; font-weight: 600; }
details.events > summary.bad { color: #912018; font-weight: 600; }
details.events.dropped { border-left: 3px solid var(--corruption); padding-left: 10px; }
details.events table.grid { width: auto; min-width: 360px; }
details.events tr.dropped td { background: #fef3f2; }
p.note.bad { color: #912018; }
ul.expect { list-style: none; padding: 0; margin: 4px 0 8px; font-size: 13px; columns: 2; column-gap: 28px; }
ul.expect li { break-inside: avoid; padding: 1px 0; }
ul.expect li.ok::before { content: "✓ "; color: var(--ok); font-weight: 700; }
ul.expect li.bad::before { content: "✗ "; color: var(--corruption); font-weight: 700; }
ul.expect li.bad { color: #912018; }
ul.expect .detail { color: var(--muted); }
svg.timeline { width: 100%; height: auto; display: block; margin: 6px 0; }
svg.timeline .row-bg { fill: #fff; } svg.timeline .row-bg.odd { fill: #f9fafb; } svg.timeline .breaks-bg { fill: #fffbeb; }
svg.timeline .row-name { font-size: 12px; font-weight: 600; fill: var(--fg); }
svg.timeline .row-sub { font-size: 10.5px; fill: var(--muted); }
svg.timeline .bar { stroke: rgba(16, 24, 40, 0.35); stroke-width: 0.5; }
svg.timeline .bar.handler { stroke-dasharray: 2 1; }
svg.timeline .bar.err { stroke: var(--corruption); stroke-width: 1.5; }
svg.timeline .op-lease { fill: var(--lease); } svg.timeline .op-file { fill: var(--file); } svg.timeline .op-layout { fill: var(--layout); }
svg.timeline .op-io { fill: var(--io); } svg.timeline .op-map { fill: var(--map); } svg.timeline .op-rdma { fill: var(--rdma); } svg.timeline .op-sync { fill: var(--sync); }
svg.timeline .life { fill: #e4e7ec; stroke: #98a2b3; stroke-width: 0.5; }
svg.timeline .bar-label { font-size: 10.5px; fill: #101828; pointer-events: none; }
svg.timeline .sig line { stroke: var(--signal); stroke-width: 1.5; }
svg.timeline .sig path { fill: var(--signal); }
svg.timeline .dma-bg { fill: #fef3f2; }
svg.timeline .dma { stroke: #fff; stroke-width: 0.75; }
svg.timeline .dma.c-corruption { fill: var(--corruption); } svg.timeline .dma.c-dataLeak { fill: var(--dataLeak); }
svg.timeline .dma.c-staleOffset { fill: var(--staleOffset); } svg.timeline .dma.c-lostWrite { fill: var(--lostWrite); }
svg.timeline .dma-n { font-size: 10.5px; fill: var(--muted); }
svg .grid.minor { stroke: #f2f4f7; }
svg.timeline .break-band { fill: var(--band); stroke: var(--band-edge); stroke-width: 0.75; }
svg.timeline .break-bar { fill: #facc15; stroke: var(--band-edge); }
svg.timeline .break-bar.result-timedOut { fill: #f97066; stroke: var(--corruption); }
svg.timeline .break-bar.result-EINTR { fill: #84caff; stroke: var(--informed); }
svg.timeline .break-bar.result-EWOULDBLOCK { fill: #d0d5dd; stroke: #667085; }
details > summary { cursor: pointer; color: var(--muted); font-size: 13px; margin: 6px 0; }
details.steps table.grid { font-size: 12.5px; }
details.steps td.op { white-space: nowrap; font-weight: 600; }
tr.errno td { color: #912018; }
.workload { font-size: 12.5px; color: var(--muted); margin: 2px 0; }
.workload b { color: var(--fg); font-weight: 600; }
tr[data-violation] td.cls { font-weight: 650; white-space: nowrap; }
tr[data-violation] td.cls.c-corruption { color: var(--corruption); } tr[data-violation] td.cls.c-dataLeak { color: var(--dataLeak); }
tr[data-violation] td.cls.c-staleOffset { color: var(--staleOffset); } tr[data-violation] td.cls.c-lostWrite { color: var(--lostWrite); }
.hidden { display: none !important; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } ul.expect { columns: 1; } main { padding: 8px 12px 40px; } }
@media print { nav.toc { display: none; } table.grid thead th { position: static; } }
`;
