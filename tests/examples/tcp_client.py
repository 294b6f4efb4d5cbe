# SPDX-License-Identifier: MIT
# The tutorial's client, tcp_client.py (tutorial-zh.txt, "客户端"), verbatim
# except that the server's address comes from the command line instead of
# the tutorial's hard-coded LAN address:
#   python3 tcp_client.py HOST PORT
import sys

from socket import *

sockfd = socket()
sockfd.connect((sys.argv[1], int(sys.argv[2])))
while True:
    msg = input("Msg>>")
    if msg == "":
        break
    sockfd.send(msg.encode())
    data = sockfd.recv(1024)
    # if msg == "Bye":
    #     break
    print(data.decode())
sockfd.close()
