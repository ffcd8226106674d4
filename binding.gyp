{
  "targets": [
    {
      "target_name": "flock",
      "sources": ["native/flock.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
