"""What people read: the executive report (HTML with charts) and the front-line list exports."""
