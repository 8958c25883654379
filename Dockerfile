# The `lab` image: Debian 12 + the repo's own bootstrap (the same script CI runs).
# The embedded S3 server is skipped: in compose the store is the rustfs service.
FROM debian:12
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      ca-certificates curl git sudo python3 python3-pip npm golang-go \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /work
COPY . .
RUN LAKEHOUSE_SKIP_S3_SERVER=1 scripts/bootstrap.sh && scripts/build.sh
