"""Streamlit's own words in Chinese, on every page.

Streamlit writes some words of its widgets in English: the uploader's button, size limit and
browser-side errors (issue #12), a select box's placeholder, the tooltips of a table's toolbar,
the "Running…" status, and the labels a screen reader speaks (aria-label, title, placeholder:
`Help for 失联率`, `Show password`, `Collapse sidebar`). Every word a user reads or hears is
Chinese, so the script below rewrites those few words in place, in text and in those
attributes, whatever element they land in and whenever Streamlit draws them. Icons are font
ligatures spelled in lower case (`upload`, `search`), which the rules leave alone.
"""

from __future__ import annotations

import functools
import json

import streamlit as st

# Whole texts (trimmed) Streamlit draws as words on the page, and what a person reads instead.
TEXT_RULES: tuple[tuple[str, str], ...] = (
    (r"^File must be (.+) or smaller\.?$", "文件超过 $1 的上传上限，请拆分后再上传"),
    (r"^(.*) files are not allowed\.?$", "不支持 $1 类型的文件，请上传 .xlsx、.xls 或 .csv"),
    (r"^File size is too small\.?$", "文件为空，请检查后重新选择"),
    (r"^Only one file is allowed\.?$", "只能选择一个文件"),
    (r"^(?:Upload|Browse files)$", "选择文件"),
    (r"^Drag and drop files? here$", "将文件拖到此处"),
    (r"^(?:Limit )?(\d+(?:\.\d+)?\s*[KMG]B) per file$", "单个文件不超过 $1"),
    (r"^Showing page (\d+) of (\d+)$", "第 $1 页，共 $2 页"),
    (r"^Choose an option$", "请选择"),
    (r"^No results$", "没有匹配的选项"),
    (r"^Press Enter to submit form$", "按回车键提交"),
    (r"^Press Enter to apply$", "按回车键确认"),
    (r"^Running\.\.\.$", "正在运行……"),
    (r"^Stop$", "停止"),
    (r"^Skip to main content$", "跳到正文"),
    (r"^Show/hide columns$", "显示或隐藏列"),
    (r"^Search$", "搜索"),
    (r"^Fullscreen$", "全屏"),
    (r"^(?:Close|Exit) fullscreen$", "退出全屏"),
    (r"^Copy to clipboard$", "复制"),
    (r"^Clear selection$", "清除选择"),
)

# Labels a screen reader speaks and tooltips a mouse shows (aria-label, title, placeholder).
LABEL_RULES: tuple[tuple[str, str], ...] = (
    (r"^Help for (.+)$", "“$1”的说明"),
    (r"^Collapse sidebar$", "收起侧边栏"),
    (r"^Expand sidebar$", "展开侧边栏"),
    (r"^Sidebar$", "侧边栏"),
    (r"^App pages$", "页面导航"),
    (r"^Navigate to home page$", "回到首页"),
    (r"^Main menu$", "主菜单"),
    (r"^Open$", "展开选项"),
    (r"^Close$", "关闭"),
    (r"^Clear value$", "清除所选"),
    (r"^Clear all$", "全部清除"),
    (r"^Selected values$", "已选项"),
    (r"^Selectbox options$", "可选项"),
    (r"^Remove (.+)$", "移除 $1"),
    (r"^Link to heading$", "本节链接"),
    (r"^Show password$", "显示密码"),
    (r"^Hide password$", "隐藏密码"),
    (r"^file upload$", "选择要上传的文件"),
    (r"^Add files$", "添加文件"),
    (r"^Upload (.+)$", "上传 $1"),
    (r"^Running\.\.\.$", "正在运行"),
    (r"^Stop script$", "停止运行"),
    (r"^Notifications$", "通知"),
    (r"^Previous page$", "上一页"),
    (r"^Next page$", "下一页"),
    (r"^Pagination$", "分页"),
    (r"^Page (\d+)$", "第 $1 页"),
    (r"^Dataframe column menu$", "列菜单"),
    (r"^Copy column name$", "复制列名"),
    (r"^Close Search$", "关闭搜索"),
    (r"^Previous Result$", "上一个结果"),
    (r"^Next Result$", "下一个结果"),
    (r"^Scroll tabs left$", "向左滚动标签"),
    (r"^Scroll tabs right$", "向右滚动标签"),
    (r"^Increment$", "加一"),
    (r"^Decrement$", "减一"),
    (r"^Markdown content$", "文本内容"),
    *TEXT_RULES,
)

# The element holding the script takes no room on the page: the style hides its container.
_SCRIPT = r"""
<span id="census-widget-words"></span>
<style>.stElementContainer:has(#census-widget-words){display:none}</style>
<script>
(() => {
  if (window.__censusWidgetWords) return;
  window.__censusWidgetWords = true;
  const compile = (rules) => rules.map(([p, s]) => [new RegExp(p), s]);
  const textRules = compile(__TEXT__);
  const labelRules = compile(__LABEL__);
  const ATTRS = ['aria-label', 'title', 'placeholder'];
  const say = (rules, text) => {
    const t = (text || '').trim();
    if (!/[A-Za-z]/.test(t)) return null;
    for (const [pattern, words] of rules) if (pattern.test(t)) return t.replace(pattern, words);
    return null;
  };
  const fixText = (node) => {
    const words = say(textRules, node.nodeValue);
    if (words !== null) node.nodeValue = words;
  };
  const fixAttrs = (el) => {
    for (const name of ATTRS) {
      if (!el.hasAttribute(name)) continue;
      const words = say(labelRules, el.getAttribute(name));
      if (words !== null) el.setAttribute(name, words);
    }
  };
  const walk = (root) => {
    if (root.nodeType === 3) return fixText(root);
    if (root.nodeType !== 1) return;
    if (root.tagName === 'SCRIPT' || root.tagName === 'STYLE') return;
    fixAttrs(root);
    for (const el of root.querySelectorAll('[aria-label],[title],[placeholder]')) fixAttrs(el);
    const it = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (it.nextNode()) fixText(it.currentNode);
  };
  walk(document.body);
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === 'characterData') fixText(c.target);
      else if (c.type === 'attributes') fixAttrs(c.target);
      for (const n of c.addedNodes || []) walk(n);
    }
  }).observe(document.body, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ATTRS,
  });
})();
</script>
"""


@functools.cache
def script() -> str:
    """The rewriting script, rules inlined (JSON, so no rule can break out of the string);
    built once per process, not on every rerun."""
    return _SCRIPT.replace("__TEXT__", json.dumps(TEXT_RULES)).replace(
        "__LABEL__", json.dumps(LABEL_RULES)
    )


def install() -> None:
    """Once per page run, from `ui.style`; the script itself runs once per browser tab."""
    st.html(script(), unsafe_allow_javascript=True, width="content")
