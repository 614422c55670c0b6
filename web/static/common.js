// Shared by the staff pages: settings from the page, and JSON calls that
// carry the page header (the server refuses cookie-only changes without it).
const CONFIG = JSON.parse(document.body.dataset.config || "{}");

async function api(path, { method = "GET", body } = {}) {
  const headers = { "X-Console": "1" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                   credentials: "same-origin" });
  } catch (e) {
    throw new Error("The server could not be reached. Check your connection and try again.");
  }
  if (response.status === 401) { window.location.href = "/signin?next=" + encodeURIComponent(location.pathname); }
  const text = await response.text();
  const data = text ? (() => { try { return JSON.parse(text); } catch { return text; } })() : null;
  if (!response.ok) {
    const detail = data && data.detail ? data.detail : `Request failed (${response.status})`;
    throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
  }
  return data;
}

// Build elements with text only: nothing a customer typed is ever parsed as HTML.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function money(pence) { return "£" + (pence / 100).toFixed(2); }

async function signOut() {
  try { await api("/api/session", { method: "DELETE" }); } finally { window.location.href = "/signin"; }
}
