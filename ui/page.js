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
  let sidebarSeen = false;
  const onChange = () => {
    nameByText();
    if (!sidebarSeen && document.querySelector("#chats-sidebar")) {
      sidebarSeen = true;
      closeSidebar();
    }
  };
  new MutationObserver(onChange).observe(document.body, { childList: true, subtree: true });
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
