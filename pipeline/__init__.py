"""流动党员普查数据管道：读取、校验、入库、统计。"""

import warnings

from pipeline.access import quiet_logs

# pandera imports pyspark when it is installed (the optional `scale` extra), and pyspark warns
# about pandas 3 on import; that warning is noise to an analyst running the CLI.
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)
quiet_logs.install()  # no log record of this process carries an exception's message
