"""Response review (回应效果评估) by the propaganda department."""
