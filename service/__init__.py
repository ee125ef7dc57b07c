"""yuqing service: API, storage, queue and sweeps around the pure rules."""

import logging

# jieba logs its dictionary loading at INFO on every process start
logging.getLogger("jieba").setLevel(logging.WARNING)
