"""The file uploader's own words in Chinese.

Streamlit's uploader labels its button and its size limit in English, and checks sizes and
types in the browser and says so in English (issue #12); the script below rewrites those few
words in place, whatever element they land in. The button's icon is a ligature spelled
`upload` in lower case, which must stay as it is.
"""

from __future__ import annotations

import streamlit as st

_UPLOAD_WORDS_JS = r"""
<script>
(() => {
  if (window.__censusUploadWords) return;
  window.__censusUploadWords = true;
  const rules = [
    [/^File must be (.+) or smaller\.?$/, (m) => `文件超过 ${m[1]} 的上传上限，请拆分后再上传`],
    [/^(.*) files are not allowed\.?$/, (m) => `不支持 ${m[1]} 类型的文件，请上传 .xlsx、.xls 或 .csv`],
    [/^File size is too small\.?$/, () => '文件为空，请检查后重新选择'],
    [/^Only one file is allowed\.?$/, () => '只能选择一个文件'],
    [/^(?:Upload|Browse files)$/, () => '选择文件'],
    [/^Drag and drop files? here$/, () => '将文件拖到此处'],
    [/^(?:Limit )?(\d+(?:\.\d+)?\s*[KMG]B) per file$/, (m) => `单个文件不超过 ${m[1]}`],
    [/^Showing page (\d+) of (\d+)$/, (m) => `第 ${m[1]} 页，共 ${m[2]} 页`],
  ];
  const fix = (node) => {
    const text = (node.nodeValue || '').trim();
    for (const [pattern, say] of rules) {
      const m = text.match(pattern);
      if (m) { node.nodeValue = say(m); return; }
    }
  };
  const walk = (root) => {
    const it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (it.nextNode()) fix(it.currentNode);
  };
  walk(document.body);
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === 'characterData') fix(c.target);
      for (const n of c.addedNodes || []) n.nodeType === 3 ? fix(n) : walk(n);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
})();
</script>
"""


def chinese_upload_messages() -> None:
    """The uploader's own size and type errors in Chinese (issue #12)."""
    st.html(_UPLOAD_WORDS_JS, unsafe_allow_javascript=True, width="content")
