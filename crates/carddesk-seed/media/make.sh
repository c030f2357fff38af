#!/usr/bin/env bash
# Draws the offline demo's interview uploads (ImageMagick 7, ffmpeg with
# libvpx, the Noto Sans CJK font). Run from this directory.
set -euo pipefail
F=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
convert -size 640x404 xc:'#e8f0f7' -fill '#c9d9ea' -draw "roundrectangle 0,0 639,403 24,24" -fill '#ffffff' -draw "roundrectangle 16,16 623,387 18,18" \
 -font "$F" -fill '#1f3b57' -pointsize 22 -annotate +40+60 '姓名  刘洋   LIU YANG' -annotate +40+100 '性别  男    民族  汉' -annotate +40+140 '出生  1990 年 1 月 1 日' -annotate +40+180 '住址  上海市黄浦区示例路 1 号' \
 -pointsize 24 -annotate +40+350 '公民身份号码  310101 ******** 1234' \
 -fill '#b0c4d8' -draw "roundrectangle 450,50 600,240 10,10" -fill '#7f99b3' -draw "circle 525,120 525,160" -draw "ellipse 525,235 60,45 180,360" \
 -fill 'rgba(200,30,30,0.55)' -pointsize 46 -annotate -20x-20+150+300 'SPECIMEN 样本' id_front.jpg
convert -size 640x404 xc:'#e8f0f7' -fill '#ffffff' -draw "roundrectangle 16,16 623,387 18,18" \
 -font "$F" -fill '#8a1c1c' -pointsize 34 -annotate +150+110 '中华人民共和国' -pointsize 30 -annotate +200+170 '居民身份证' \
 -fill '#1f3b57' -pointsize 20 -annotate +60+300 '签发机关  上海市公安局黄浦分局（样本）' -annotate +60+340 '有效期限  2020.01.01-2040.01.01' \
 -fill '#d4a017' -draw "circle 90,120 90,165" \
 -fill 'rgba(200,30,30,0.55)' -pointsize 46 -annotate -20x-20+150+290 'SPECIMEN 样本' id_back.png
convert id_back.png -depth 8 id_back.png
convert -size 480x600 gradient:'#dfe9f3-#9fb7cf' -fill '#f1c9a5' -draw "ellipse 240,250 110,140 0,360" -fill '#3b2a20' -draw "ellipse 240,160 120,70 180,360" \
 -fill '#2c3e50' -draw "ellipse 240,620 200,150 180,360" -fill '#2c2c2c' -draw "circle 200,250 200,262" -draw "circle 280,250 280,262" \
 -fill none -stroke '#a0522d' -strokewidth 5 -draw "arc 200,290 280,340 20,160" \
 -stroke none -font "$F" -fill 'rgba(255,255,255,0.9)' -pointsize 26 -annotate +150+580 '示例自拍 · SELFIE' selfie.jpg
ffmpeg -loglevel error -y -loop 1 -i selfie.jpg -t 3 \
  -vf "scale=240:300,zoompan=z='min(zoom+0.0015,1.08)':d=1:s=240x300:fps=15,format=yuv420p" \
  -c:v libvpx -b:v 200k -an interview.webm
