// The web chat widget: Rasa's socket.io channel, the customer bound by a signed token.
//
// Written on socket.io-client rather than the `rasa-webchat` package: that
// package (1.0.1, last released 2021) pins React 16 and socket.io-client 3,
// and this widget must also show messages a rep sends into the conversation
// and say when the connection drops and comes back.
(function () {
  const CONFIG = JSON.parse(document.body.dataset.config || "{}");
  const STORE = "northwind-chat";
  const $ = (id) => document.getElementById(id);
  let state = JSON.parse(localStorage.getItem(STORE) || "null");
  let socket = null;
  let typingTimer = null;
  // Messages wait here until Rasa has put this socket in the conversation's room
  // (session_confirm); a reply to a message sent before that would reach nobody.
  // The room's id is the server's: it confirms the one it gave this widget before,
  // or gives a new one (a socket cannot join a room it was not given).
  let joined = false;
  const outbox = [];

  function save() { localStorage.setItem(STORE, JSON.stringify(state)); }
  function uuid() { return ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, c =>
    (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16)); }

  // Plain text, with web addresses turned into links (built as elements, never as HTML).
  function textWithLinks(text) {
    const span = document.createElement("span");
    const parts = String(text).split(/(https?:\/\/[^\s]+)/g);
    for (const part of parts) {
      if (/^https?:\/\//.test(part)) {
        const clean = part.replace(/[.,)]+$/, "");
        const a = document.createElement("a");
        a.href = clean; a.textContent = clean; a.target = "_blank"; a.rel = "noopener noreferrer";
        span.append(a, part.slice(clean.length));
      } else span.append(part);
    }
    return span;
  }

  function render(item, live) {
    const list = $("messages");
    if (item.kind === "replies") {
      if (!live) return; // old quick replies are not offered again after a reload
      const box = document.createElement("div");
      box.className = "replies";
      for (const button of item.buttons) {
        const b = document.createElement("button");
        b.type = "button"; b.textContent = button.title;
        b.addEventListener("click", () => { box.remove(); send(button.payload, button.title); });
        box.append(b);
      }
      list.append(box);
    } else {
      const bubble = document.createElement("div");
      bubble.className = "msg " + item.kind;
      if (item.kind === "rep") {
        const from = document.createElement("span");
        from.className = "from"; from.textContent = (item.from ? item.from.split(" ")[0] + ", " : "") + "Northwind team";
        bubble.append(from);
      }
      bubble.append(textWithLinks(item.text));
      list.append(bubble);
    }
    list.scrollTop = list.scrollHeight;
  }

  function remember(item) { state.history.push(item); state.history = state.history.slice(-200); save(); render(item, true); }

  function showTyping(on) {
    const existing = document.querySelector(".typing");
    if (existing) existing.remove();
    clearTimeout(typingTimer);
    if (!on) return;
    const dots = document.createElement("div");
    dots.className = "typing"; dots.setAttribute("aria-label", "The assistant is typing");
    dots.append(document.createElement("span"), document.createElement("span"), document.createElement("span"));
    $("messages").append(dots);
    $("messages").scrollTop = $("messages").scrollHeight;
    typingTimer = setTimeout(() => showTyping(false), 15000);
  }

  function setOnline(online, text) {
    $("status").textContent = text;
    $("status").classList.toggle("offline", !online);
    $("banner").hidden = online;
  }

  function connect() {
    // The session id in the query lets a load balancer keep this conversation on one
    // Rasa replica (socket.io's polling needs that); any replica can take over.
    socket = io(CONFIG.rasaUrl, { query: { session_id: state.sessionId },
      reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 3000 });
    socket.on("connect", () => socket.emit("session_request", { session_id: state.sessionId }));
    socket.on("session_confirm", (sessionId) => {
      if (typeof sessionId === "string" && sessionId !== state.sessionId) { state.sessionId = sessionId; save(); }
      joined = true;
      setOnline(true, "Online");
      while (outbox.length) socket.emit("user_uttered", { ...outbox.shift(), session_id: state.sessionId });
    });
    socket.on("disconnect", () => { joined = false; setOnline(false, "Reconnecting…"); });
    socket.io.on("reconnect_attempt", () => setOnline(false, "Reconnecting…"));
    socket.io.on("reconnect", () => { $("banner").hidden = true; });
    socket.on("bot_uttered", (message) => {
      if (message.custom && message.custom.customer_token) {
        // Identified in the chat itself: this token binds the rest of the conversation.
        state.token = message.custom.customer_token; save();
        return;
      }
      showTyping(false);
      const rep = message.metadata && message.metadata.rep;
      if (message.text) remember({ kind: rep ? "rep" : "bot", text: message.text, from: rep ? message.metadata.rep_name : null });
      const buttons = message.quick_replies || message.buttons;
      if (buttons && buttons.length) remember({ kind: "replies", buttons });
      if (message.attachment && message.attachment.payload && message.attachment.payload.src) {
        remember({ kind: "bot", text: message.attachment.payload.src });
      }
    });
  }

  function send(payload, shown) {
    const text = String(payload || "").trim();
    if (!text) return;
    if (!socket || !socket.connected) {
      setOnline(false, "Reconnecting…");
      $("banner").textContent = "You're offline: your message will be sent when the connection is back.";
    }
    remember({ kind: "user", text: shown || text });
    showTyping(true);
    const message = { message: text, customData: { token: state.token } };
    if (joined) socket.emit("user_uttered", { ...message, session_id: state.sessionId });
    else outbox.push(message);
  }

  function open() {
    $("chat").hidden = false; $("launcher").hidden = true;
    $("signin-card").hidden = true;
    $("signed-in-as").textContent = "Signed in as " + state.firstName;
    $("sign-out").hidden = false;
    $("messages").replaceChildren();
    for (const item of state.history) render(item, false);
    if (!socket) connect();
    if (!state.history.length) send("hi", "Hi");
    $("message").focus();
  }

  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("signin-error").textContent = "";
    try {
      const response = await fetch("/api/chat-token", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: $("email").value, postcode: $("postcode").value }) });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(typeof data.detail === "string" ? data.detail : "Sign-in failed; please check both fields.");
      state = { token: data.token, customerId: data.customer_id, firstName: data.first_name,
                expires: Date.now() + data.expires_in * 1000, sessionId: uuid(), history: [] };
      save(); open();
    } catch (e) { $("signin-error").textContent = e.message === "Failed to fetch" ? "We couldn't reach the server. Please try again." : e.message; }
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("message").value;
    $("message").value = "";
    send(text);
  });
  $("minimise").addEventListener("click", () => { $("chat").hidden = true; $("launcher").hidden = false; });
  $("launcher").addEventListener("click", () => { $("chat").hidden = false; $("launcher").hidden = true; });
  $("sign-out").addEventListener("click", () => { localStorage.removeItem(STORE); location.reload(); });

  // For the browser tests and support staff: the live socket (to drop it and watch it come back).
  window.northwindChat = { socket: () => socket };

  if (state && state.expires > Date.now()) open();
  else localStorage.removeItem(STORE);
})();
