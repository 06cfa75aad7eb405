// Keyboard shortcuts of the mhds review pages. Served from /static/ (the Content-Security-
// Policy allows scripts from this origin only); no inline handlers, no dependencies.
(function () {
  "use strict";

  var groups = Array.prototype.slice.call(document.querySelectorAll("fieldset.criterion"));
  var help = document.getElementById("help");

  function isTyping(element) {
    if (!element) {
      return false;
    }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable) {
      return true;
    }
    return tag === "INPUT" && element.type !== "radio" && element.type !== "checkbox";
  }

  function markCurrent(group) {
    groups.forEach(function (each) {
      each.classList.toggle("current", each === group);
    });
  }

  function currentGroup() {
    var active = document.activeElement;
    for (var i = 0; i < groups.length; i += 1) {
      if (groups[i].contains(active)) {
        return groups[i];
      }
    }
    for (var j = 0; j < groups.length; j += 1) {
      if (!groups[j].querySelector("input:checked")) {
        return groups[j];
      }
    }
    return null;
  }

  function focusGroup(group) {
    var target = group.querySelector("input:checked") || group.querySelector("input");
    if (target) {
      target.focus();
    }
    markCurrent(group);
  }

  function setScore(group, value) {
    var input = group.querySelector('input[type="radio"][value="' + value + '"]');
    if (!input) {
      return;
    }
    input.checked = true;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    var next = groups[groups.indexOf(group) + 1];
    if (next) {
      focusGroup(next);
    } else {
      var privacy = document.getElementById("pii-no");
      if (privacy) {
        privacy.focus();
      }
      markCurrent(null);
    }
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link && link.href) {
      window.location.assign(link.href);
    }
  }

  function toggleHelp(show) {
    if (help) {
      help.hidden = show === undefined ? !help.hidden : !show;
    }
  }

  function syncSpan() {
    var yes = document.getElementById("pii-yes");
    var span = document.getElementById("pii-span");
    if (yes && span) {
      span.required = yes.checked;
    }
  }

  document.addEventListener("focusin", function (event) {
    var group = groups.filter(function (each) {
      return each.contains(event.target);
    })[0];
    if (group) {
      markCurrent(group);
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target && event.target.name === "pii_found") {
      syncSpan();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = document.getElementById("decision-form");
      if (form) {
        event.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    if (event.key === "Escape") {
      toggleHelp(false);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      return;
    }
    if (/^[0-9-]$/.test(event.key)) {
      var group = currentGroup();
      if (group) {
        event.preventDefault();
        setScore(group, event.key === "0" ? 10 : event.key === "-" ? 0 : Number(event.key));
      }
      return;
    }
    switch (event.key) {
      case "n":
      case "j":
        follow("next-item");
        break;
      case "p":
      case "k":
        follow("prev-item");
        break;
      case "?":
        toggleHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  var toggle = document.getElementById("help-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      toggleHelp();
    });
  }
  syncSpan();
})();
