// The handout field as an accessible combobox (WAI-ARIA 1.2, list autocomplete): as the person types,
// the server's search (POST /search, apps/web/search.py) ranks the handouts by name, abbreviation, id,
// search word ("weakness", "IVIG") or the start of a word ("myasth", "gravis"); arrow keys move through
// the matches, Enter picks one, Escape closes the list. The live region under the field says how many
// match, or "No handout matches", with a "Did you mean" button for a near spelling. Without JavaScript
// the field keeps its native <datalist> and the "Find" button asks the server for the same answer.
(function () {
  "use strict";

  function enhance(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var region = document.getElementById("handout-search");
    var find = document.getElementById("handout-find");
    if (!list || !region || !find || !window.fetch) { return; }
    var url = find.getAttribute("formaction");
    var form = input.form;
    var box = document.createElement("ul");
    box.id = input.id + "-listbox";
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", "Matching handouts");
    box.hidden = true;
    input.removeAttribute("list");
    list.remove();
    find.remove();
    input.parentNode.appendChild(box);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", box.id);
    var active = -1;
    var asked = null;  // the text the answer shown is for
    var queue = Promise.resolve();  // answers and keys, in the order they came
    var waiting = 0;

    function later(step) {
      waiting += 1;
      queue = queue.then(step).catch(function () { return null; }).then(function () { waiting -= 1; });
    }

    function options() { return box.querySelectorAll("[role=option]"); }

    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function ask() {
      var typed = input.value;
      if (typed === asked) { return null; }
      asked = typed;
      if (!typed.trim()) { show(null); return null; }
      var body = new FormData();
      body.append("csrf_token", form.elements.csrf_token.value);
      body.append("q", typed);
      return fetch(url, { method: "POST", body: body, credentials: "same-origin",
                          headers: { "Accept": "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (found) { if (input.value === typed) { show(found); } });
    }

    function show(found) {
      box.textContent = "";
      (found ? found.results : []).forEach(function (c, i) {
        var item = document.createElement("li");
        item.id = box.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = c.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { pick(c.label); });
        box.appendChild(item);
      });
      close();
      var any = options().length > 0;
      box.hidden = !any || document.activeElement !== input;
      input.setAttribute("aria-expanded", box.hidden ? "false" : "true");
      say(found);
    }

    function say(found) {
      region.textContent = "";
      if (!found) { return; }
      var line = document.createElement("p");
      line.textContent = found.message;
      region.appendChild(line);
      if (found.suggestion) {
        var offer = document.createElement("p");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = found.suggestion.label;
        button.addEventListener("click", function () { pick(found.suggestion.label); });
        offer.append("Did you mean ", button, "?");
        region.appendChild(offer);
      }
    }

    function move(step) {
      if (box.hidden && options().length) {
        box.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      var items = options();
      if (!items.length) { return; }
      if (active >= 0) { items[active].setAttribute("aria-selected", "false"); }
      active = (active + step + items.length) % items.length;
      items[active].setAttribute("aria-selected", "true");
      items[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function pick(label) {
      input.value = label;
      asked = label;
      close();
      region.textContent = "";
      input.focus();
    }

    function enter() {
      if (!box.hidden && active >= 0) {
        pick(options()[active].textContent);
      } else {
        form.querySelector("button[type=submit]:not([name=pick])").click();  // as Enter would have
      }
    }

    input.addEventListener("input", function () { later(ask); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        later(ask);
        later(function () { move(step); });
      } else if (event.key === "Enter" && (waiting > 0 || (!box.hidden && active >= 0))) {
        event.preventDefault();
        later(enter);
      } else if (event.key === "Escape" && !box.hidden) {
        event.preventDefault();
        close();
      }
    });
  }

  document.querySelectorAll("input[list][name=handout]").forEach(enhance);

  // The error summary (GOV.UK pattern): it has the focus when it appears (the page's own, or the form
  // htmx swapped in), and each of its links puts the focus in the field at fault, its label in view.
  function focusSummary(root) {
    var summary = root.querySelector("#error-summary");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#error-summary a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });

  // A form with problems swapped in (htmx): the handout field is a combobox again, a preview of an
  // earlier form is gone, and the summary takes the focus. A preview or print that worked clears the
  // form's problems.
  function clearProblems() {
    document.querySelectorAll("#error-summary, #handout-form .error-message").forEach(function (node) {
      node.remove();
    });
    document.querySelectorAll("#handout-form [aria-invalid]").forEach(function (control) {
      var ids = (control.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== control.id + "-error";
      });
      control.removeAttribute("aria-invalid");
      if (ids.length) { control.setAttribute("aria-describedby", ids.join(" ")); }
      else { control.removeAttribute("aria-describedby"); }
    });
    document.querySelectorAll("#handout-form .field-error").forEach(function (field) {
      field.classList.remove("field-error");
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    var target = xhr && xhr.getResponseHeader("HX-Retarget") === "#make" ? document.getElementById("make")
      : event.detail.target;
    if (target && target.id === "make") {
      target.querySelectorAll("input[list][name=handout]").forEach(enhance);
      var area = document.getElementById("preview-area");
      if (area && target.querySelector("#error-summary")) { area.textContent = ""; }
      focusSummary(target);
    } else if (target && target.id === "preview-area" && xhr && xhr.status < 300) {
      clearProblems();
    }
  });

  focusSummary(document);
}());

// A download the page asked for (views.py, fetch_made): the answer's "download-ready" event names the
// PDF made a moment ago; going there downloads it and leaves the page as it is. The same answer's
// "handouts-changed" event refreshes "Today's handouts" (_today.html) at once.
(function () {
  "use strict";
  document.body.addEventListener("download-ready", function (event) {
    var url = event.detail && event.detail.url;
    if (typeof url === "string" && url.indexOf("/download/") === 0) { window.location.assign(url); }
  });
}());

// No name carries over to the next patient: after a Download or a Print (the answer's "handout-made"
// event, views.py) and on "Next patient", the patient's name is emptied and the date set back to
// today; "Next patient" also takes the preview away. Without JavaScript the server answers with the
// form cleared.
(function () {
  "use strict";
  function clearPatient() {
    var name = document.getElementById("patient_name");
    var day = document.getElementById("date");
    if (name) { name.value = ""; }
    if (day && day.dataset.today) { day.value = day.dataset.today; }
  }
  document.body.addEventListener("handout-made", clearPatient);
  var next = document.getElementById("next-patient");
  if (next) {
    next.addEventListener("click", function (event) {
      event.preventDefault();
      clearPatient();
      var area = document.getElementById("preview-area");
      if (area) { area.textContent = ""; }
      var name = document.getElementById("patient_name");
      if (name) { name.focus(); }
    });
  }
}());
