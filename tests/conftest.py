import signal
import sys
from pathlib import Path

# Make tests/oracle.py importable as ``oracle`` however pytest is started.
sys.path.insert(0, str(Path(__file__).resolve().parent))

# A shell starts a background job (``nohup pytest ... &``) with SIGINT ignored, and an
# ignored signal stays ignored in every child it execs: the commands that the Ctrl-C tests
# run would then never see their SIGINT. A handled signal is reset to the default in an
# exec'd child, so handling it here gives every child Python's own KeyboardInterrupt.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
