# 流动党员普查数据分析系统 — every target sets up what it needs first.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.installed
PORT    ?= 8501

.DEFAULT_GOAL := help
.PHONY: help setup sysdeps demo run test test-scale bench lint clean

help: ## 列出所有目标 (list targets)
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

sysdeps: ## 安装系统依赖（Chromium、中文字体；以 root 运行时）
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "缺少 chromium 或 fonts-noto-cjk：请以 root 运行 make，或手动安装这两个 Debian 包"; \
	  fi; \
	fi

setup: $(STAMP) sysdeps ## 建立虚拟环境并安装依赖

demo: setup ## 若 data/raw 为空则生成演示数据，并入库
	$(PY) -m pipeline demo --if-empty
	$(PY) -m pipeline ingest data/raw || true

run: demo ## 一键启动：安装、生成演示数据、打开看板
	$(PY) -m streamlit run dashboard/streamlit_app.py --server.port $(PORT)

test: setup ## 安装并运行全部测试
	$(PY) -m pytest

test-scale: setup ## 运行规模测试（慢）
	$(PY) -m pytest -m slow

bench: setup ## 性能基准（不是测试）
	$(PY) -m pipeline.bench

lint: setup ## ruff 检查
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

clean: ## 删除 data/curated 中的派生数据
	rm -f data/curated/*.duckdb data/curated/*.wal
