// The gate view without a network: a tap (an outcome, "I'm going", an undo) whose request cannot leave the
// tablet is kept in localStorage, in order, and sent again every few seconds and when the browser says it
// is back online; the page says how many taps wait, and when all have gone. An outcome's card leaves the
// list at once, as it would have. A tap the server answers, even with a refusal (someone else recorded it
// first), has arrived and is not sent again; a server error is retried.
(function () {
  "use strict";
  var KEY = "aboard.gate.taps";
  var box = document.getElementById("offline");
  if (!box) {
    return;
  }
  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "[]");
    } catch (e) {
      return [];
    }
  }
  function save(taps) {
    localStorage.setItem(KEY, JSON.stringify(taps));
  }
  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }
  function say() {
    var waiting = load().length;
    if (waiting > 0) {
      box.hidden = false;
      box.className = "offline waiting";
      box.textContent = box.dataset.waiting + " " + waiting;
    }
  }
  document.body.addEventListener("htmx:sendError", function (evt) {
    var config = evt.detail.requestConfig;
    if (!config || config.verb !== "post") {
      return;
    }
    var body = new URLSearchParams();
    var values = config.formData || config.parameters || {};
    if (typeof values.forEach === "function" && !(values instanceof Array)) {
      values.forEach(function (value, name) {
        body.append(name, value);
      });
    } else {
      Object.keys(values).forEach(function (name) {
        body.append(name, values[name]);
      });
    }
    var taps = load();
    taps.push({ path: config.path, body: body.toString() });
    save(taps);
    var card = evt.detail.elt && evt.detail.elt.closest ? evt.detail.elt.closest("li.task") : null;
    if (card && /\/outcome$/.test(config.path)) {
      card.remove();
    }
    say();
  });
  var sending = false;
  function send() {
    if (sending) {
      return;
    }
    var taps = load();
    if (taps.length === 0) {
      return;
    }
    sending = true;
    var tap = taps[0];
    fetch(tap.path, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRF-Token": csrf(),
        "HX-Request": "true"
      },
      body: tap.body
    }).then(function (response) {
      sending = false;
      if (response.status >= 500) {
        return;
      }
      var left = load();
      left.shift();
      save(left);
      if (left.length > 0) {
        say();
        send();
      } else {
        box.hidden = false;
        box.className = "offline sent";
        box.textContent = box.dataset.sent;
        if (window.htmx) {
          window.htmx.ajax("GET", location.pathname + location.search, {
            target: "#sections",
            select: "#sections",
            swap: "outerHTML"
          });
        }
      }
    }, function () {
      sending = false;
    });
  }
  window.addEventListener("online", send);
  setInterval(send, 3000);
  say();
  send();
})();
