// Rep console: the queue, the open conversation, the customer's records and suggested prompts.
const $ = (id) => document.getElementById(id);
let current = null;          // { id, customerId, status }
let picked = null;           // { id, text } the suggestion put in the reply box

$("who").textContent = `${CONFIG.user.name} (${CONFIG.user.role})`;
$("sign-out").addEventListener("click", signOut);

async function loadQueue() {
  try {
    const queue = await api("/api/conversations");
    const box = $("queue");
    box.replaceChildren();
    const item = (c) => el("div", { class: "queue-item" + (current && current.id === c.conversation_id ? " selected" : ""),
                                    "data-conversation": c.conversation_id, onclick: () => openConversation(c) },
      el("div", { class: "name" }, c.customer_name || c.customer_id || "Unidentified customer"),
      el("div", {}, el("span", { class: "pill " + c.status }, c.status.replace("_", " ")), " ",
         el("span", { class: "muted" }, c.reason ? c.reason.replace(/_/g, " ") : ""), " ",
         c.rep_id ? el("span", { class: "muted" }, "· " + c.rep_id) : null),
      el("div", { class: "muted" }, "since " + c.since.replace("T", " ")));
    box.append(el("div", { class: "queue-section" }, `Waiting for a person (${queue.handoffs.length})`));
    if (!queue.handoffs.length) box.append(el("p", { class: "body muted" }, "Nobody is waiting."));
    queue.handoffs.forEach((c) => box.append(item(c)));
    box.append(el("div", { class: "queue-section" }, `Live with the assistant (${queue.live.length})`));
    queue.live.forEach((c) => box.append(item(c)));
  } catch (e) {
    $("queue").replaceChildren(el("p", { class: "notice bad" }, e.message));
  }
}

async function loadTranscript() {
  if (!current) return;
  try {
    const lines = await api(`/api/conversations/${encodeURIComponent(current.id)}/transcript`);
    const box = $("transcript");
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
    box.replaceChildren(...lines.map((l) => el("div", { class: "msg " + l.speaker },
      el("span", { class: "from muted" }, l.speaker === "rep" ? "You / team" : l.speaker), el("br"), l.text)));
    if (atBottom) box.scrollTop = box.scrollHeight;
  } catch (e) {
    $("transcript").replaceChildren(el("p", { class: "muted" }, e.message));
  }
}

function facts(customer) {
  const plans = customer.subscriptions.filter((s) => s.kind === "plan");
  const addons = customer.subscriptions.filter((s) => s.kind !== "plan");
  return el("dl", { class: "facts" },
    el("dt", {}, "Customer"), el("dd", {}, `${customer.name} · ${customer.customer_id} · with us ${Math.floor(customer.tenure_days / 365)} yr ${Math.floor((customer.tenure_days % 365) / 30)} mo`),
    el("dt", {}, "Plan"), el("dd", {}, plans.map((p) => `${p.name} (${money(p.monthly_price_cents)}/mo, ${p.status})`).join("; ") || "none"),
    el("dt", {}, "Add-ons"), el("dd", {}, addons.map((a) => `${a.name} (${a.status})`).join(", ") || "none"),
    el("dt", {}, "Recent orders"), el("dd", {}, customer.recent_orders.length ? customer.recent_orders.slice(0, 3).map((o) =>
      el("div", {}, `${o.number}: ${o.items} · ${o.status.replace(/_/g, " ")}`)) : "none"),
    el("dt", {}, "Open tickets"), el("dd", {}, customer.open_tickets.length ? customer.open_tickets.map((t) =>
      el("div", {}, `${t.number}: ${t.subject} (${t.status})`)) : "none"),
    el("dt", {}, "Last scores"), el("dd", {}, (customer.last_scores || []).length ? customer.last_scores.map((s) =>
      el("div", {}, `${s.created_on}: NPS ${s.nps ?? "–"}, CSAT ${s.csat ?? "–"}, effort ${s.ces ?? "–"}`)) : "no surveys yet"));
}

function pick(suggestion) {
  picked = { id: suggestion.suggestion_id, text: suggestion.text };
  $("reply").value = suggestion.text;
  $("reply").focus();
}

async function loadCustomer() {
  const panel = $("customer");
  if (!current || !current.customerId) {
    panel.replaceChildren(el("p", { class: "muted" }, "The customer has not identified themselves yet."));
    return;
  }
  try {
    const [customer, suggestions] = await Promise.all([
      api(`/api/customers/${encodeURIComponent(current.customerId)}`),
      api(`/api/conversations/${encodeURIComponent(current.id)}/suggestions`)]);
    const offer = suggestions.offers[0];
    panel.replaceChildren(el("div", {},
      facts(customer),
      el("h3", {}, "Questions to ask"),
      ...suggestions.questions.map((q) => el("button", { class: "suggestion", "data-suggestion": q.suggestion_id,
                                                         onclick: () => pick(q) }, q.text)),
      el("h3", {}, "Offer"),
      suggestions.offers_held_back ? el("p", { class: "notice" }, "Hold offers: " + suggestions.offers_held_back.message) : null,
      offer ? el("div", { class: "offer" }, el("strong", {}, `${offer.name} · ${money(offer.monthly_price_cents)}/mo`),
                 el("div", {}, offer.reason),
                 suggestions.offers_held_back ? null : el("button", { class: "suggestion", onclick: () => pick({
                   suggestion_id: offer.suggestion_id,
                   text: `${offer.reason} Would ${offer.name} at ${money(offer.monthly_price_cents)} a month help?` }) }, "Use in reply"))
            : el("p", { class: "muted" }, "Nothing suitable to offer.")));
  } catch (e) {
    panel.replaceChildren(el("p", { class: "notice bad" }, e.message));
  }
}

// The offer is in the reply: the rep records what the customer said to it.
function askOfferAnswer(offerId) {
  const box = el("div", { class: "offer-answer", "data-offer": offerId }, el("span", {}, "What did the customer say? "));
  const answer = (value) => act(box.querySelector("button"), async () => {
    const done = await api(`/api/offers/${offerId}/answer`, { method: "POST", body: { answer: value } });
    box.replaceChildren(el("p", { class: "notice" }, done.status === "accepted"
      ? `Added as ${done.reference}, from ${done.starts_on}. Tell the customer the reference.`
      : "Recorded: not offered again for 30 days."));
  });
  box.append(el("button", { onclick: () => answer("accepted") }, "Yes, add it"),
             el("button", { onclick: () => answer("declined") }, "No thanks"));
  const offer = document.querySelector("#customer .offer");
  (offer || $("customer")).append(box);
}

function openConversation(c) {
  current = { id: c.conversation_id, customerId: c.customer_id, status: c.status };
  picked = null;
  $("conversation-title").textContent = `${c.customer_name || c.customer_id || "Unidentified customer"} · ${c.conversation_id}`;
  $("reply-area").hidden = false;
  $("reply-error").textContent = "";
  $("take").hidden = c.status !== "waiting";
  $("hand-back").hidden = c.status === "live";
  loadTranscript(); loadCustomer(); loadQueue();
}

async function act(button, work) {
  $("reply-error").textContent = "";
  button.disabled = true;
  try { await work(); } catch (e) { $("reply-error").textContent = e.message; } finally { button.disabled = false; }
}

$("send").addEventListener("click", () => act($("send"), async () => {
  const text = $("reply").value.trim();
  if (!text) throw new Error("Type a message first: an empty message is not sent.");
  await api(`/api/conversations/${encodeURIComponent(current.id)}/messages`, { method: "POST", body: { text } });
  if (picked) {
    const use = text === picked.text.trim() ? "as_is" : "edited";
    const used = await api(`/api/suggestions/${picked.id}/use`, { method: "POST", body: use === "edited" ? { use, text } : { use } });
    picked = null;
    if (used.offer_id) askOfferAnswer(used.offer_id);
  }
  $("reply").value = "";
  loadTranscript();
}));
$("take").addEventListener("click", () => act($("take"), async () => {
  await api(`/api/conversations/${encodeURIComponent(current.id)}/take`, { method: "POST" });
  current.status = "with_rep"; $("take").hidden = true; loadQueue();
}));
$("hand-back").addEventListener("click", () => act($("hand-back"), async () => {
  await api(`/api/conversations/${encodeURIComponent(current.id)}/return`, { method: "POST" });
  current.status = "live"; $("hand-back").hidden = true; loadQueue(); loadTranscript();
}));
$("resolve").addEventListener("click", () => act($("resolve"), async () => {
  await api(`/api/conversations/${encodeURIComponent(current.id)}/resolve`, { method: "POST" });
  current.status = "live"; loadQueue(); loadTranscript();
}));

loadQueue();
setInterval(() => { loadQueue(); loadTranscript(); }, 3000);
