// Supervisor dashboard: scores with their uncertainty, trends, breakdowns, the log, follow-ups, offers.
const $ = (id) => document.getElementById(id);
let page = 1;
let trendChart = null;
$("who").textContent = `${CONFIG.user.name} (supervisor)`;
$("sign-out").addEventListener("click", signOut);

function range() {
  const params = new URLSearchParams();
  if ($("from").value) params.set("from", $("from").value);
  if ($("to").value) params.set("to", $("to").value);
  return params;
}

function fmt(value, digits = 0) { return value === null || value === undefined ? "–" : Number(value).toFixed(digits); }
function measure(m, digits = 0) {
  return m.n ? `${fmt(m.score, digits)} ± ${fmt(m.margin_of_error, digits)} (n=${m.n}${m.small_sample ? ", small sample" : ""})` : "no answers";
}

async function tiles() {
  const data = await api("/api/scores?" + range());
  const g = data.groups[0];
  if (!g) { ["nps", "csat", "ces"].forEach((k) => { $(k).textContent = "–"; $(k + "-margin").textContent = "no answers in this range"; }); return; }
  $("nps").textContent = fmt(g.nps.score); $("nps-margin").textContent = `± ${fmt(g.nps.margin_of_error)} points · n=${g.nps.n}`;
  $("csat").textContent = g.csat.n ? fmt(g.csat.score) + "%" : "–"; $("csat-margin").textContent = `± ${fmt(g.csat.margin_of_error)} points · n=${g.csat.n}`;
  $("ces").textContent = fmt(g.ces.score, 2); $("ces-margin").textContent = `± ${fmt(g.ces.margin_of_error, 2)} · n=${g.ces.n}`;
}

async function trend() {
  const data = await api("/api/scores?group_by=week&" + range());
  const labels = data.groups.map((g) => g.group);
  const datasets = [
    { label: "NPS", data: data.groups.map((g) => g.nps.score), borderColor: "#0b5cad", tension: .25 },
    { label: "CSAT %", data: data.groups.map((g) => g.csat.score), borderColor: "#18794e", tension: .25 },
  ];
  if (trendChart) trendChart.destroy();
  trendChart = new Chart($("trend"), { type: "line", data: { labels, datasets },
    options: { animation: false, scales: { y: { suggestedMin: -100, suggestedMax: 100 } } } });
}

async function breakdown(group, target) {
  const data = await api(`/api/scores?group_by=${group}&` + range());
  $(target).replaceChildren(el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, group), el("th", {}, "NPS"), el("th", {}, "CSAT %"))),
    el("tbody", {}, data.groups.map((g) => el("tr", {}, el("td", {}, g.group || "(none)"), el("td", {}, measure(g.nps)), el("td", {}, measure(g.csat)))))));
}

function logParams() {
  const params = range();
  for (const key of ["band", "rep", "q"]) if ($(key).value.trim()) params.set(key, $(key).value.trim());
  return params;
}

async function showTranscript(row) {
  $("modal-title").textContent = `Conversation ${row.conversation_id}`;
  $("modal-body").replaceChildren(el("p", { class: "muted" }, "Loading…"));
  $("modal").hidden = false;
  try {
    const lines = await api(row.transcript_url);
    $("modal-body").replaceChildren(...lines.map((l) => el("div", { class: "msg " + l.speaker }, `${l.speaker}: ${l.text}`)));
  } catch (e) { $("modal-body").replaceChildren(el("p", { class: "muted" }, e.message)); }
}

async function log() {
  const params = logParams();
  params.set("page", page); params.set("page_size", 20);
  const data = await api("/api/feedback?" + params);
  const csv = logParams(); csv.set("format", "csv");
  $("csv").href = "/api/feedback?" + csv;
  $("log").tBodies[0].replaceChildren(...data.rows.map((r) => el("tr", { class: "clickable", onclick: () => showTranscript(r) },
    el("td", {}, r.created_at.replace("T", " ").slice(0, 16)), el("td", {}, r.customer_id || ""),
    el("td", {}, r.nps === null ? "–" : el("span", { class: "pill " + r.band }, r.nps)), el("td", {}, r.csat ?? "–"),
    el("td", {}, r.ces ?? "–"), el("td", {}, r.rep_id || ""), el("td", {}, r.topic || ""), el("td", { class: "comment" }, r.comment))));
  if (!data.rows.length) $("log").tBodies[0].append(el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No feedback matches.")));
  const pages = Math.max(1, Math.ceil(data.total / data.page_size));
  $("page-info").textContent = `page ${data.page} of ${pages} · ${data.total} answers`;
  $("prev").disabled = page <= 1; $("next").disabled = page >= pages;
}

let showAllFollowups = false;
async function followups() {
  const all = (await api("/api/followups")).filter((f) => f.status !== "resolved");
  all.sort((a, b) => (b.overdue - a.overdue) || a.due_at.localeCompare(b.due_at));
  const items = showAllFollowups ? all : all.slice(0, 10);
  const next = { open: "contacted", contacted: "resolved" };
  $("followups").tBodies[0].replaceChildren(...items.map((f) => el("tr", {},
    el("td", {}, f.due_at.replace("T", " ").slice(0, 16), " ", f.overdue ? el("span", { class: "pill overdue" }, "overdue") : null),
    el("td", {}, f.customer_id || ""), el("td", {}, el("span", { class: "pill detractor" }, f.nps ?? "–")),
    el("td", { class: "comment" }, f.comment), el("td", {}, f.status),
    el("td", {}, next[f.status] ? el("button", { onclick: async (event) => {
      event.target.disabled = true;
      try { await api(`/api/followups/${f.id}`, { method: "PATCH", body: { status: next[f.status], owner: CONFIG.user.username } }); followups(); }
      catch (e) { alert(e.message); event.target.disabled = false; }
    } }, "Mark " + next[f.status]) : null))));
  if (!items.length) $("followups").tBodies[0].append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No open follow-ups.")));
  if (all.length > items.length) $("followups").tBodies[0].append(el("tr", {}, el("td", { colspan: 6 },
    el("button", { onclick: () => { showAllFollowups = true; followups(); } }, `Show all ${all.length} open follow-ups`))));
}

async function offers() {
  const report = await api("/api/offers/report?" + range());
  $("offers").replaceChildren(
    el("table", {}, el("thead", {}, el("tr", {}, ...["Add-on", "Offered", "Accepted", "Declined", "Ignored", "Conversion", "Revenue/mo"].map((h) => el("th", {}, h)))),
      el("tbody", {}, report.addons.map((a) => el("tr", {}, el("td", {}, a.name), el("td", {}, a.offered), el("td", {}, a.accepted),
        el("td", {}, a.declined), el("td", {}, a.ignored), el("td", {}, a.conversion === null ? "–" : (a.conversion * 100).toFixed(0) + "%"),
        el("td", {}, money(a.monthly_revenue_cents)))))),
    el("table", { id: "offers-by-channel" }, el("thead", {}, el("tr", {}, ...["Offer made by", "Offered", "Accepted", "Conversion", "NPS of those chats"].map((h) => el("th", {}, h)))),
      el("tbody", {}, report.channels.map((c) => el("tr", {}, el("td", {}, c.channel === "rep" ? "a rep" : "the assistant"),
        el("td", {}, c.offered), el("td", {}, c.accepted),
        el("td", {}, c.conversion === null ? "–" : (c.conversion * 100).toFixed(0) + "%"), el("td", {}, measure(c.scores.nps)))))),
    el("p", {}, el("strong", {}, "NPS with an offer: "), measure(report.with_offer.nps)),
    el("p", {}, el("strong", {}, "NPS without: "), measure(report.without_offer.nps)),
    el("p", {}, el("strong", {}, "NPS when the offer was declined: "), measure(report.offer_declined.nps)));
  $("prompts").replaceChildren(el("table", {}, el("thead", {}, el("tr", {}, ...["Built on", "Shown", "Used as is", "Edited", "NPS of those chats"].map((h) => el("th", {}, h)))),
    el("tbody", {}, report.prompts.map((p) => el("tr", {}, el("td", {}, p.basis.replace(/_/g, " ")), el("td", {}, p.shown), el("td", {}, p.used_as_is),
      el("td", {}, p.used_edited), el("td", {}, measure(p.scores.nps)))))));
}

async function refresh() {
  $("range-error").textContent = "";
  if ($("from").value && $("to").value && $("from").value > $("to").value) {
    $("range-error").textContent = "'From' is after 'To': no day can be in that range. Pick an earlier start date.";
    return;
  }
  for (const task of [tiles, trend, () => breakdown("rep", "by-rep"), () => breakdown("topic", "by-topic"),
                      () => breakdown("channel", "by-channel"), log, followups, offers]) {
    try { await task(); } catch (e) { $("range-error").textContent = e.message; }
  }
}

$("apply").addEventListener("click", () => { page = 1; refresh(); });
$("search").addEventListener("click", () => { page = 1; log().catch((e) => { $("range-error").textContent = e.message; }); });
$("prev").addEventListener("click", () => { page -= 1; log(); });
$("next").addEventListener("click", () => { page += 1; log(); });
$("modal-close").addEventListener("click", () => { $("modal").hidden = true; });
refresh();
