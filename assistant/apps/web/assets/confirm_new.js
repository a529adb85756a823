(question) => (document.querySelector('#chat .msg.user') && !window.confirm('Start a new conversation? The current one will be discarded (export it first to keep it).')) ? null : (question ?? '')
