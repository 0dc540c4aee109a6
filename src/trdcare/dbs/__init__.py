"""The DBS room (deep brain stimulation for depression: investigational)."""
