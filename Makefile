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
	$(PIP) install --quiet -e '.[dev,demo]'
	touch $(STAMP)

SYSTEM_PACKAGES := chromium fonts-noto-cjk libreoffice-writer-nogui poppler-utils

sysdeps: ## 安装系统依赖（Chromium、中文字体、LibreOffice、poppler；以 root 运行时）
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v soffice >/dev/null 2>&1 \
	    || ! command -v pdftoppm >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "缺少系统依赖：请以 root 运行 make，或手动安装 Debian 包：$(SYSTEM_PACKAGES)"; \
	  fi; \
	fi

setup: $(STAMP) sysdeps ## 建立虚拟环境并安装依赖

demo: setup ## 若 data/raw 为空则生成演示数据，并入库
	$(PY) -m pipeline demo --if-empty
	$(PY) -m pipeline ingest "$${CENSUS_RAW:-data/raw}" || true

run: demo ## 一键启动：安装、生成演示数据、打开看板（首次运行会打印一次管理员初始密码）
	$(PY) -m pipeline users ensure-admin
	$(PY) -m streamlit run dashboard/server.py --server.port $(PORT)

test: setup ## 安装并运行全部测试
	$(PY) -m pytest

test-scale: setup ## 运行规模测试（慢；安装 PySpark，用本机 Java 以本地模式运行 Spark）
	$(PIP) install --quiet -e '.[dev,scale]'
	$(PY) -m pytest -m slow

BENCH := .bench

bench: setup ## 性能基准（不是测试）：入库速度与内存、各页面查询耗时；10万/100万/1000万行规模写入 docs/benchmarks.md
	@# Each step prints whether its floors are met; a miss must not skip the steps after it.
	rm -rf $(BENCH) && mkdir -p $(BENCH)
	-$(PY) -m pipeline.bench.floors --json $(BENCH)/floors.json  # issue 18: each ratio against its floor
	$(PY) -m pipeline demo --out $(BENCH)/raw > /dev/null
	CENSUS_SECRET_FILE=$(BENCH)/secret.key $(PY) -m pipeline ingest $(BENCH)/raw --db $(BENCH)/demo.duckdb > /dev/null
	-$(PY) -m dashboard.bench_pages --db $(BENCH)/demo.duckdb --scale 1000000
	-$(PY) -m pipeline.bench.scale --floors $(BENCH)/floors.json  # 10万/100万/1000万行：入库、页面、内存、导出，连同速度底线写入 docs/benchmarks.md

lint: setup ## ruff 检查
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

clean: ## 删除 data/curated 中的派生数据
	rm -f data/curated/*.duckdb data/curated/*.wal
