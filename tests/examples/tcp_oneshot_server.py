# SPDX-License-Identifier: MIT
# The tutorial's one-shot server (tutorial-zh.txt, "示例 服务端"), verbatim
# except that the address comes from the command line:
#   python3 tcp_oneshot_server.py HOST PORT
import sys

from socket import *

# create the socket object
sockd = socket()
# bind the IP address
sockd.bind((sys.argv[1], int(sys.argv[2])))
# make it a listening socket
sockd.listen(5)
# wait for a client to connect
cond, addr = sockd.accept()
# receive the client's message (1024 bytes at once)
data = cond.recv(1024)
print(data.decode())
# send a message
cond.send(b"Hello, I'm the server")
# close the sockets
cond.close()
sockd.close()
