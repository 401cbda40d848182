/** The report's whole stylesheet, inlined: no fonts, images or anything else to fetch. */
export const reportCss = `
:root{--ink:#1d2733;--muted:#5d6b7a;--line:#e3e7ec;--bg:#f4f6f9;--card:#fff;--navy:#173a5e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.55 "PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px 40px}
header.top{background:linear-gradient(120deg,#143352 0%,#1f4f7a 60%,#2a6a8f 100%);color:#fff;padding:28px 0 70px}
header.top h1{margin:0;font-size:28px;font-weight:700;letter-spacing:.02em}
header.top .en{opacity:.75;font-size:14px;font-weight:400;margin-left:10px}
header.top .meta{margin-top:10px;display:flex;flex-wrap:wrap;gap:8px 18px;font-size:13.5px;opacity:.95}
header.top .meta b{font-weight:600}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12.5px;font-weight:600;color:#fff;vertical-align:1px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:12px;margin-top:-48px}
.kpi{background:var(--card);border-radius:10px;padding:12px 14px 10px;box-shadow:0 1px 3px rgba(20,40,70,.10),0 6px 16px rgba(20,40,70,.06);border-top:4px solid var(--c)}
.kpi .n{font-size:28px;font-weight:700;line-height:1.1;color:var(--c)}
.kpi .l{font-size:13px;color:var(--muted)}
.kpi.zero{opacity:.55}
.kpi.zero .n{color:var(--muted)}
section{margin-top:26px}
section>h2{font-size:18px;margin:0 0 12px;display:flex;align-items:baseline;gap:10px}
section>h2 small{font-size:13px;color:var(--muted);font-weight:400}
.card{background:var(--card);border-radius:10px;padding:16px 18px;box-shadow:0 1px 3px rgba(20,40,70,.08)}
.notice{background:#fff8e6;border:1px solid #f1d9a6;color:#6b4a00;border-radius:10px;padding:12px 16px;margin-top:16px}
.alert{background:#fdecec;border:1px solid #f3b9b9;color:#8a1f1f;border-radius:10px;padding:10px 14px;margin:0 0 10px;font-weight:600}
.alert .en{display:block;font-weight:400;font-size:12.5px;opacity:.85}
.towns{display:grid;grid-template-columns:repeat(auto-fill,minmax(370px,1fr));gap:14px}
.town h3{margin:0;font-size:16px;display:flex;align-items:baseline;gap:8px;flex-wrap:wrap}
.town h3 .slug{color:var(--muted);font-weight:400;font-size:12.5px}
.town h3 .count{margin-left:auto;color:var(--muted);font-weight:400;font-size:12.5px}
.town .chips{margin:6px 0 10px;display:flex;flex-wrap:wrap;gap:6px}
.chip{display:inline-flex;align-items:center;gap:5px;font-size:12px;color:var(--muted);background:#f3f5f8;border-radius:999px;padding:1px 9px 1px 7px}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;background:var(--c)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(62px,1fr));gap:6px}
.tile{position:relative;border-radius:7px;background:var(--c);color:#fff;font-size:13px;font-weight:600;text-align:center;padding:9px 2px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:default;text-shadow:0 1px 1px rgba(0,0,0,.18)}
.tile.light{color:#3b4654;text-shadow:none}
.tile .hd{position:absolute;top:4px;right:4px;width:8px;height:8px;border-radius:50%;background:var(--hc);box-shadow:0 0 0 1.5px #fff}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;font-size:12.5px;color:var(--muted);margin-bottom:12px}
.legend span{display:inline-flex;align-items:center;gap:6px}
.legend i{display:inline-block;width:14px;height:14px;border-radius:4px;background:var(--c)}
.legend i.round{border-radius:50%;width:10px;height:10px}
svg.timeline{display:block}
svg.timeline .axis{font-size:11px;fill:#8a96a3}
svg.timeline .wave-label{font-size:13px;fill:#1d2733;font-weight:600}
svg.timeline .bar-note{font-size:12px;fill:#5d6b7a}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:#f8f9fb;white-space:nowrap}
table.sortable th{cursor:pointer}
td.id,td.time{font-variant-numeric:tabular-nums;color:var(--muted);white-space:nowrap}
td .en{display:block;color:var(--muted);font-size:12px}
.cls{display:inline-block;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;background:#fdecec;color:#a02828;border-radius:5px;padding:1px 7px;white-space:nowrap}
.state{display:inline-flex;align-items:center;gap:6px;white-space:nowrap;font-weight:600;color:var(--c)}
.two{display:grid;grid-template-columns:1fr 1fr;gap:14px}
@media (max-width:900px){.two{grid-template-columns:1fr}}
.bars{display:grid;grid-template-columns:auto 1fr auto;gap:8px 12px;align-items:center;font-size:13px}
.bar{display:flex;height:16px;border-radius:5px;overflow:hidden;background:#eef1f4}
.bar span{display:block;height:100%;background:var(--c)}
.bars .num{color:var(--muted);font-variant-numeric:tabular-nums;white-space:nowrap;text-align:right}
.ok-msg{color:#2f7d4c;font-weight:600}
footer{margin-top:30px;color:var(--muted);font-size:12px;text-align:center}
@media print{body{background:#fff}.kpi,.card{box-shadow:none;border:1px solid var(--line)}header.top{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`

/** Click a column header to sort (optional: the report reads the same without JS). */
export const sortScript = `
document.querySelectorAll('table.sortable th').forEach(function(th,i){th.addEventListener('click',function(){
var tb=th.closest('table').tBodies[0];var rows=Array.prototype.slice.call(tb.rows);var dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';
rows.sort(function(a,b){return a.cells[i].textContent.localeCompare(b.cells[i].textContent,'zh-CN',{numeric:true})*dir});rows.forEach(function(r){tb.appendChild(r)})})})
`
