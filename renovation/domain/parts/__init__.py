"""The parts the project aggregate is composed of, one per area of the trade."""
