__version__ = "0.1.0"

# fastai 2.8 calls `torch.jit.script` when it is imported, and torch deprecates that with a FutureWarning that would be
# the first line every command and notebook prints. Silence that one message, nothing else, before any of our modules
# imports fastai (every entry point imports this file first).
import warnings as _warnings
_warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
