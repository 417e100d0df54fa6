"""Task handlers: plain functions called by service tasks, keyed by operation name."""

from handlers.registry import HandlerContext, HistoryPort, get_handler, handler, registered_operations

__all__ = ["HandlerContext", "HistoryPort", "get_handler", "handler", "registered_operations"]
