"""CoinBit's lessons: each starts its own local network and tells one
story on it (scripts/lesson.py runs them)."""
