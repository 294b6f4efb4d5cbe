# SPDX-License-Identifier: MIT
# The tutorial's echo-style server (tutorial-zh.txt, "服务器"), verbatim
# except that the address comes from the command line:
#   python3 tcp_server.py HOST PORT
import sys

from socket import *

# create the socket
sockfd = socket(AF_INET, SOCK_STREAM)
# bind the address
sockfd.bind((sys.argv[1], int(sys.argv[2])))
# listen
sockfd.listen(5)
# wait for a client to connect
print("waiting for connect....")
conn, addr = sockfd.accept()
print("Connect from", addr)
print("Connect from", conn)

# send and receive messages
while True:
    data = conn.recv(1024)
    if data.decode() == "":
        n = conn.send(b"Bey")
        break
    print("Receive", data.decode())
    n = conn.send(b"Receive your message")
    print("send %d" % n)
# close the sockets
conn.close()
sockfd.close()
