// The handout field as an accessible combobox (WAI-ARIA 1.2, list autocomplete): typing filters the
// handouts by the start of any word of a name, abbreviation or other name ("myasth", "gravis", "MG");
// arrow keys move through the matches, Enter picks one, Escape closes the list. Without JavaScript
// the field keeps its native <datalist>.
(function () {
  "use strict";

  // " word word ...": lower case, every run of non-letters one space, so " " + typed finds word starts
  function words(text) {
    return " " + text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function enhance(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var choices = Array.prototype.map.call(list.options, function (option) {
      return { label: option.value, terms: words((option.dataset.terms || "") + " " + option.value) };
    });
    var box = document.createElement("ul");
    box.id = input.id + "-listbox";
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", "Matching handouts");
    box.hidden = true;
    input.removeAttribute("list");
    list.remove();
    input.parentNode.appendChild(box);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", box.id);
    var active = -1;

    function options() { return box.querySelectorAll("[role=option]"); }

    function close() {
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      var typed = words(input.value);
      box.textContent = "";
      choices.filter(function (c) { return c.terms.indexOf(typed) !== -1; }).forEach(function (c, i) {
        var item = document.createElement("li");
        item.id = box.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = c.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { pick(c.label); });
        box.appendChild(item);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var any = options().length > 0;
      box.hidden = !any;
      input.setAttribute("aria-expanded", any ? "true" : "false");
    }

    function move(step) {
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
      close();
      input.focus();
    }

    input.addEventListener("input", open);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      var shown = !box.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!shown) { open(); }
        move(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter" && shown && active >= 0) {
        event.preventDefault();
        pick(options()[active].textContent);
      } else if (event.key === "Escape" && shown) {
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
