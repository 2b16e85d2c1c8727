/* The form page of `supervision edit`, written for this project (MIT, like the rest).
 *
 * The page works without it: every button posts the whole form and the server
 * sends the page back. With it:
 *   - buttons post in the background and only the page's <main> is replaced, so
 *     the place on the page and the typed answers stay, and focus goes where the
 *     server says (the new row, the message);
 *   - leaving a changed field posts the form to /check and shows each finding
 *     beside its field; an answer to an older check (sent before a newer one,
 *     or before a button was pressed) is dropped, so the findings shown are
 *     always those of the answers as they are now;
 *   - typing tells the server at most once a minute that the page is in use;
 *   - if the server has stopped, a banner says so and the answers stay on the page.
 * It only ever talks to the page's own server (Content-Security-Policy: default-src 'self').
 */
(function () {
  "use strict";

  var OFFLINE = "The form has stopped (Done was pressed, it was stopped in the terminal, " +
    "or it was not used for a long time), so this page cannot save any more. Your answers " +
    "are still on the page: copy anything long, then run supervision edit again.";
  var lastPing = Date.now();
  var pending = null;
  var counts = { swapped: 0, checked: 0 };
  var sent = 0;        // checks posted so far, each numbered
  var superseded = 0;  // checks numbered up to this one are out of date
  var waiting = 0;     // checks due or in flight (a timer counts as one)

  function count(what) {  // for people's tools and tests: how many updates so far
    counts[what] += 1;
    document.documentElement.setAttribute("data-" + what, String(counts[what]));
  }

  function checking(delta) {  // data-checking: present while a check is due or in flight
    waiting += delta;
    if (waiting > 0) {
      document.documentElement.setAttribute("data-checking", String(waiting));
    } else {
      document.documentElement.removeAttribute("data-checking");
    }
  }

  function recordForm() { return document.getElementById("record-form"); }

  function banner(text) {
    var box = document.getElementById("offline");
    if (!box) {
      box = document.createElement("div");
      box.id = "offline";
      box.className = "message error";
      box.setAttribute("role", "alert");
      document.body.insertBefore(box, document.body.firstChild);
    }
    box.textContent = text;
  }

  function busy(form, on) {
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = on; }
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function body(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    return new URLSearchParams(data);
  }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("main");
    var main = document.getElementById("main");
    if (!fresh || !main) { banner(OFFLINE); return; }
    main.replaceWith(document.importNode(fresh, true));
    document.title = doc.title;
    var target = document.querySelector("#main [autofocus]");
    if (target) { target.focus(); }
    count("swapped");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "record-form") { return; }
    event.preventDefault();
    var data = body(form, event.submitter);
    superseded = sent;  // the page the server sends back has its own findings
    busy(form, true);
    fetch("/", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(swap)
      .catch(function () { busy(form, false); banner(OFFLINE); });
  });

  function clearFindings() {
    var lists = document.querySelectorAll("#main ul.findings");
    for (var i = 0; i < lists.length; i++) { lists[i].textContent = ""; }
    var marked = document.querySelectorAll("#main [aria-invalid]");
    for (var j = 0; j < marked.length; j++) { marked[j].removeAttribute("aria-invalid"); }
  }

  function showFindings(result) {
    if (!result || result.stale) { return; }
    clearFindings();
    result.findings.forEach(function (found) {
      var list = document.getElementById("e-" + (found.target || "top")) ||
        document.getElementById("e-top");
      if (!list) { return; }
      var item = document.createElement("li");
      item.className = found.severity;
      var strong = document.createElement("strong");
      strong.textContent = (found.severity === "error" ? "Error" : "Warning") + ":";
      item.appendChild(strong);
      var words = " " + (!found.target && found.label ? found.label + ": " : "") + found.message;
      item.appendChild(document.createTextNode(words));
      var rule = document.createElement("span");
      rule.className = "rule";
      rule.textContent = " (" + found.rule + ")";
      item.appendChild(rule);
      if (found.hint) {
        var hint = document.createElement("span");
        hint.className = "hint";
        hint.textContent = found.hint;
        item.appendChild(hint);
      }
      list.appendChild(item);
      var control = found.target && document.getElementById(found.target);
      if (control && control.matches("input, select, textarea")) {
        control.setAttribute("aria-invalid", "true");
      }
    });
    var summary = document.getElementById("check-summary");
    if (summary) { summary.textContent = result.summary || ""; }
    count("checked");
  }

  function check() {
    var form = recordForm();
    if (!form) { checking(-1); return; }
    sent += 1;
    var number = sent;
    fetch("/check", { method: "POST", body: body(form, null), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (result) {
        if (number === sent && number > superseded) { showFindings(result); }
      })
      .catch(function () { banner(OFFLINE); })
      .then(function () { checking(-1); });
  }

  document.addEventListener("change", function (event) {
    var form = recordForm();
    if (!form || !form.contains(event.target)) { return; }
    if (pending === null) { checking(1); }
    clearTimeout(pending);
    pending = setTimeout(function () { pending = null; check(); }, 150);
  });

  document.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastPing < 60000) { return; }
    lastPing = now;
    fetch("/alive", { method: "POST", credentials: "same-origin" })
      .catch(function () { banner(OFFLINE); });
  });
}());
