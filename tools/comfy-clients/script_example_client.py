"""A ComfyUI API client that follows, step for step, the protocol of ComfyUI's script_examples
(basic_api_example.py, websockets_api_example.py, websockets_api_example_ws_images.py), written here
from reading them, with the same libraries (urllib, websocket-client). Loom's tests drive the server with
it (test/server/comfy-script-examples.test.ts); `python3-websocket` is the Debian package.

  python3 script_example_client.py --server 127.0.0.1:8188 --mode basic|ws|ws_images --prompt p.json --out DIR

basic:     POST /prompt {"prompt"} with urllib's default form content type, nothing else.
ws:        connect /ws?clientId=<uuid4>, POST /prompt {"prompt", "client_id"}, read text frames until
           executing {node: null, prompt_id}, skip binary frames, then GET /history/<id> and each image via
           GET /view?filename&subfolder&type.
ws_images: as ws, but keep the binary frames received while the last `executing` node was
           "save_image_websocket_node", minus their 8-byte header (event type, image format).
Prints one JSON line: {"prompt_id", "images": {node_id: [file, …]}, "frames": [[event, format], …]}.
"""
import argparse
import json
import os
import struct
import urllib.parse
import urllib.request
import uuid

import websocket


def post_prompt(server, body):
    data = json.dumps(body).encode("utf-8")
    # No Content-Type is set: urllib sends application/x-www-form-urlencoded, as the examples do.
    return json.loads(urllib.request.urlopen(urllib.request.Request("http://{}/prompt".format(server), data=data)).read())


def get(server, path):
    with urllib.request.urlopen("http://{}{}".format(server, path)) as response:
        return response.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--mode", choices=["basic", "ws", "ws_images"], required=True)
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.prompt) as f:
        prompt = json.load(f)
    os.makedirs(args.out, exist_ok=True)

    if args.mode == "basic":
        reply = post_prompt(args.server, {"prompt": prompt})
        print(json.dumps({"prompt_id": reply["prompt_id"], "images": {}, "frames": []}))
        return

    client_id = str(uuid.uuid4())
    ws = websocket.WebSocket()
    ws.connect("ws://{}/ws?clientId={}".format(args.server, client_id))
    prompt_id = post_prompt(args.server, {"prompt": prompt, "client_id": client_id})["prompt_id"]
    images, frames, current = {}, [], ""
    while True:
        out = ws.recv()
        if isinstance(out, str):
            message = json.loads(out)
            if message["type"] == "executing" and message["data"]["prompt_id"] == prompt_id:
                if message["data"]["node"] is None:
                    break
                current = message["data"]["node"]
        else:
            frames.append(list(struct.unpack(">II", out[:8])))
            if args.mode == "ws_images" and current == "save_image_websocket_node":
                images.setdefault(current, []).append(out[8:])
    ws.close()

    if args.mode == "ws":
        history = json.loads(get(args.server, "/history/{}".format(prompt_id)))[prompt_id]
        for node_id, node_output in history["outputs"].items():
            for image in node_output.get("images", []):
                query = urllib.parse.urlencode({"filename": image["filename"], "subfolder": image["subfolder"], "type": image["type"]})
                images.setdefault(node_id, []).append(get(args.server, "/view?{}".format(query)))

    written = {}
    for node_id, datas in images.items():
        for i, data in enumerate(datas):
            path = os.path.join(args.out, "{}_{}.png".format(node_id, i))
            with open(path, "wb") as f:
                f.write(data)
            written.setdefault(node_id, []).append(path)
    print(json.dumps({"prompt_id": prompt_id, "images": written, "frames": frames}))


if __name__ == "__main__":
    main()
