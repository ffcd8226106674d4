{
  "targets": [
    {
      "target_name": "flock",
      "sources": ["flock.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
