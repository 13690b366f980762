"""Every side effect of a case: the read-model projection and the citizen's SMS."""
