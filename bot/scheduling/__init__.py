"""Deadlines and reminders: the schedule lives in the database; timers only say when to look."""
