() => {
  // Copying an answer gives its plain-text form (text with [n], then footnoted sources),
  // which ui/cards.py puts in the message as a hidden .rag-plain block; never its HTML.
  // The upload area's label differs from the words it shows (WCAG 2.5.3): let it be named
  // by what it shows, "Drop File Here - or - Click to Upload".
  const nameByText = () =>
    document.querySelectorAll("#upload [aria-label]").forEach((el) => {
      if (el.innerText && el.innerText.trim() && !el.innerText.includes(el.getAttribute("aria-label"))) {
        el.removeAttribute("aria-label");
      }
    });
  // On a phone the open sidebar covers the chat: start closed, and close after a pick.
  const narrow = () => window.innerWidth < 768;
  const closeSidebar = () => {
    const open = document.querySelector("#chats-sidebar.open .toggle-button");
    if (open && narrow()) open.click();
  };
  // The article list keeps the selection on the article clicked: when the list refreshes
  // (an upload adds a row above it), Gradio keeps the row number, and showing the tab again
  // clears it; either way it goes back to the row holding that article's id.
  let chosenArticle = null;
  const rowId = (row) => {
    const cells = row ? row.querySelectorAll("[role=gridcell]") : [];
    return cells.length ? cells[cells.length - 1].innerText.trim() : null;
  };
  document.addEventListener("click", (event) => {
    const cell = event.target.closest && event.target.closest("#articles [role=gridcell]");
    if (cell && event.isTrusted) chosenArticle = rowId(cell.closest("[role=row]"));
  }, true);
  let lastKept = 0;
  const keepArticle = () => {
    if (!chosenArticle) return;
    const selected = document.querySelector("#articles .cell-selected");
    if (selected && rowId(selected.closest("[role=row]")) === chosenArticle) return;
    if (Date.now() - lastKept < 1000) return; // one try a second, never a loop
    const rows = document.querySelectorAll("#articles [role=row]");
    const row = Array.from(rows).find((r) => rowId(r) === chosenArticle);
    const cell = row && row.querySelector("[role=gridcell]");
    if (!cell || !cell.offsetParent) return; // gone from the list, or the tab is hidden
    lastKept = Date.now();
    for (const type of ["pointerdown", "mousedown", "pointerup", "mouseup", "click"]) {
      const Event = type.startsWith("pointer") ? PointerEvent : MouseEvent;
      cell.dispatchEvent(new Event(type, { bubbles: true, cancelable: true, view: window }));
    }
  };
  let sidebarSeen = false;
  const onChange = () => {
    nameByText();
    keepArticle();
    if (!sidebarSeen && document.querySelector("#chats-sidebar")) {
      sidebarSeen = true;
      closeSidebar();
    }
  };
  new MutationObserver(onChange).observe(document.body, {
    childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["class"],
  });
  onChange();
  document.addEventListener("click", (event) => {
    if (event.target.closest && event.target.closest("#new-chat, #chat-list label, #delete-chat")) {
      setTimeout(closeSidebar, 300);
    }
  });
  const clipboard = navigator.clipboard;
  if (!clipboard || clipboard.ragPlain) return;
  const write = clipboard.writeText.bind(clipboard);
  const plain = (text) => {
    if (typeof text !== "string" || !text.includes("rag-plain")) return text;
    const doc = new DOMParser().parseFromString(text, "text/html");
    doc.querySelectorAll(".rag-message").forEach((message) => {
      const form = message.querySelector(".rag-plain");
      message.replaceWith(doc.createTextNode(form ? form.textContent : message.textContent));
    });
    return doc.body.textContent.trim();
  };
  clipboard.writeText = (text) => {
    window.ragCopied = plain(text);
    return write(window.ragCopied);
  };
  clipboard.ragPlain = true;
  window.ragCopyConversation = () => {
    const turns = [];
    document.querySelectorAll("#chat .message-row").forEach((row) => {
      const form = row.querySelector(".rag-plain");
      if (row.classList.contains("user-row")) {
        turns.push("You: " + row.innerText.trim());
      } else {
        turns.push(form ? form.textContent.trim() : row.innerText.trim());
      }
    });
    return clipboard.writeText(turns.join("\n\n"));
  };
}
