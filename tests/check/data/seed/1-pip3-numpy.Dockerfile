# The seed article's first advice: apk's python3, then pip3.
FROM alpine:3.21
RUN apk add --no-cache python3
RUN pip3 install numpy
