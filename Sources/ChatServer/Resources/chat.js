// chatctl web client: live feed over the WebSocket, reconnects with ?since=<last id> so nothing is missed.
// All user text is inserted with textContent, never as HTML.
"use strict";
(() => {
  const section = document.getElementById("chat");
  const list = document.getElementById("messages");
  const status = document.getElementById("status");
  const online = document.getElementById("online");
  const form = document.getElementById("send");
  const input = document.getElementById("message");
  const olderButton = document.getElementById("older");
  const maxBytes = Number(section.dataset.maxBytes) || 4096;
  let lastID = section.dataset.lastId || "";
  let socket = null;
  let retry = 0;
  const seen = new Set(Array.from(list.querySelectorAll("li[data-id]"), (li) => li.dataset.id));
  const users = new Set();

  const clock = (iso) => {
    const date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour12: false });
  };

  const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 40;

  function messageItem(event) {
    const li = document.createElement("li");
    li.className = "message";
    li.dataset.id = event.id;
    const time = document.createElement("time");
    time.dateTime = event.time;
    time.textContent = "[" + clock(event.time) + "]";
    const user = document.createElement("span");
    user.className = "user";
    user.textContent = "(" + event.user + ")";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = event.text;
    li.append(time, " ", user, " ", text);
    return li;
  }

  function append(li) {
    const stick = atBottom();
    list.append(li);
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function notice(text) {
    const li = document.createElement("li");
    li.className = "notice";
    li.textContent = text;
    append(li);
  }

  function showOnline() {
    online.textContent = users.size ? "Online: " + Array.from(users).sort().join(", ") : "";
  }

  function handle(event) {
    switch (event.type) {
      case "message":
        if (seen.has(event.id)) return;
        seen.add(event.id);
        lastID = event.id;
        append(messageItem(event));
        break;
      case "join":
        users.add(event.user);
        showOnline();
        notice(event.user + " joined");
        break;
      case "leave":
        users.delete(event.user);
        showOnline();
        notice(event.user + " left");
        break;
      case "presence":
        users.clear();
        event.users.forEach((u) => users.add(u));
        showOnline();
        break;
      case "error":
        notice("⚠ " + event.error);
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const query = lastID ? "?since=" + encodeURIComponent(lastID) : "";
    socket = new WebSocket(scheme + location.host + "/ws" + query);
    status.textContent = "connecting…";
    socket.addEventListener("open", () => {
      retry = 0;
      status.textContent = "connected";
    });
    socket.addEventListener("message", (message) => {
      try {
        handle(JSON.parse(message.data));
      } catch (error) {
        console.warn("unreadable event", error);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 1008 || event.code === 4401) {
        location.href = "/login";
        return;
      }
      const delay = Math.min(30000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
      status.textContent = "disconnected; reconnecting in " + Math.round(delay / 1000) + " s";
      setTimeout(connect, delay);
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    if (new TextEncoder().encode(text).length > maxBytes) {
      notice("⚠ message too long (" + maxBytes + " bytes at most)");
      return;
    }
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      notice("⚠ not connected; message not sent");
      return;
    }
    socket.send(text);
    input.value = "";
  });

  if (olderButton) {
    olderButton.addEventListener("click", async () => {
      const before = olderButton.dataset.before;
      const response = await fetch("/api/messages?limit=100&before=" + encodeURIComponent(before), { credentials: "same-origin" });
      if (!response.ok) return;
      const page = await response.json();
      const first = list.firstChild;
      for (const event of page.messages.slice().reverse()) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        list.insertBefore(messageItem(event), first);
      }
      if (page.messages.length && page.hasMore) olderButton.dataset.before = page.messages[page.messages.length - 1].id;
      else olderButton.remove();
    });
  }

  document.querySelectorAll("#messages time").forEach((t) => (t.textContent = "[" + clock(t.dateTime) + "]"));
  list.scrollTop = list.scrollHeight;
  connect();
})();
