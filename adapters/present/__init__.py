"""The presenter page: a full-screen, live, k-stepped results page for the meeting room's projector."""
